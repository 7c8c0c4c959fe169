/**
 * What every benchmark and chaos run gets from its runner: the size switch, the figure
 * sink, a log, and a place to write down engine problems found on the way (reported in
 * docs/performance.md, never fixed here).
 */
import type { Figures } from './report.ts';

export interface Finding {
  benchmark: string;
  title: string;
  /** What, how to reproduce, the numbers, the suspected code location. */
  lines: string[];
}

export interface BenchContext {
  quick: boolean;
  /** The runner's command-line arguments (benchmark-specific flags such as `--heap-cap`). */
  args: string[];
  figures: Figures;
  findings: Finding[];
  /** Extra lines for the document's notes (how a figure came about, which target fails and why). */
  notes: Array<{ benchmark: string; lines: string[] }>;
  log(line: string): void;
}

export interface Benchmark {
  /** Short name for `--only`. */
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<void>;
}

export const seconds = (ms: number) => ms / 1000;
export const mb = (bytes: number) => bytes / 1e6;
