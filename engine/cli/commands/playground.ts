/**
 * `mapsync playground`: serve the mapping playground alone on 127.0.0.1 (pick a mapping,
 * paste or pick a record, edit, see the payload, the way back and every diagnostic; save to
 * the file only on request). No credentials and no connection to any system unless
 * `--connect`, which reads records live by id (read-only) through the configured connectors.
 */
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { CliDeps } from '../deps.ts';

interface PlaygroundCliOptions {
  port: number;
  project: string;
  config?: string;
  connect?: boolean;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('expected an integer 0–65535');
  return n;
}

export function register(program: Command, deps: CliDeps): void {
  program
    .command('playground')
    .summary('try mappings in the browser: edit, see the payload and diagnostics, save')
    .description(
      'Serve the mapping playground on 127.0.0.1: pick a mapping, paste a record or pick one of ' +
        "its test cases, edit the mapping's text and see at once the target payload, the reverse " +
        'direction of two-way mappings and every diagnostic (underlined in the editor), with ' +
        'expressions run under the same guards as the engine. Nothing is written unless you press ' +
        '"Save to file", which writes the file back and runs validate. No system credentials are ' +
        'needed; with --connect it also fetches records by id from the systems (read-only). The ' +
        'printed address carries a session token that keeps other local users out. Ctrl-C stops ' +
        'it. See docs/playground.md.',
    )
    .option('-p, --port <port>', 'port on 127.0.0.1 (0 = any free port)', port, 8081)
    .option('--project <dir>', 'project folder (mapsync.yaml and mappings/)', '.')
    .option(
      '-c, --config <file>',
      'mapsync.yaml, relative to the project (default: mapsync.yaml when present)',
    )
    .option(
      '--connect',
      "fetch records live by id through mapsync.yaml's systems (needs their environment variables)",
    )
    .action(async (options: PlaygroundCliOptions) => {
      const { runPlayground } = await import('../playground-run.ts');
      await runPlayground({ ...deps, cwd: resolve(deps.cwd, options.project) }, options);
    });
}
