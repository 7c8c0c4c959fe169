/**
 * The `--format <format>` option of the commands that print diagnostics or test results. Its
 * own file so that declaring a command (all `--help` needs) loads only commander, not the
 * printers behind the formats (print.ts: SARIF, GitHub annotations, …).
 */
import { Option } from 'commander';

export type DiagnosticFormat = 'text' | 'json' | 'github' | 'sarif';

/** `--format <format>` with its choices (checked by commander: a typo is a usage error). */
export function formatOption(choices: readonly string[], what: string): Option {
  return new Option('--format <format>', what).choices([...choices]).default('text');
}
