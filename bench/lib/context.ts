/**
 * What every benchmark and chaos run gets from its runner: the size switch, the figure
 * sink, a log, and a place to write down engine problems found on the way (reported in
 * docs/performance.md, never fixed here).
 */
import { loadavg } from 'node:os';
import { Figures } from './report.ts';

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

/** What both runners (`npm run bench`, `npm run chaos`) read from their command line. */
export interface RunStart {
  quick: boolean;
  /** `--only a,b` (or `--only=a,b`): the names to run; undefined = all. */
  only: Set<string> | undefined;
  ctx: BenchContext;
  started: number;
  /** The load average when the run began, so a busy machine shows in the document. */
  load: string;
}

export function startRun(script: 'bench' | 'chaos', args: string[]): RunStart {
  const quick = args.includes('--quick');
  const onlyArg = args.find((a) => a.startsWith('--only'));
  const onlyValue = onlyArg?.includes('=')
    ? onlyArg.split('=')[1]
    : onlyArg
      ? args[args.indexOf(onlyArg) + 1]
      : undefined;
  const command = `npm run ${script}${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
  return {
    quick,
    only: onlyValue ? new Set(onlyValue.split(',')) : undefined,
    ctx: { quick, args, figures: new Figures(command), findings: [], notes: [], log: (l) => console.log(l) },
    started: Date.now(),
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(' / '),
  };
}
