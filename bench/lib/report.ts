/**
 * Figures, how they are printed, and the generated docs/performance.md.
 *
 * Every figure is a measurement against a limit measured or fixed in the same run: a bound
 * (the counted minimum of requests / 10 rps), a baseline (a hand-written function), or a
 * target from the issue. It prints as `name: measured / limit = ratio (PASS|FAIL)`.
 */
import { cpus, totalmem } from 'node:os';

export type Verdict = 'PASS' | 'FAIL' | 'INFO';

export interface Figure {
  /** Benchmark or chaos run (`1. throughput`). */
  benchmark: string;
  name: string;
  measured: number;
  limit: number;
  unit: string;
  /** measured / limit. */
  ratio: number;
  /** What the ratio must be, for the reader: `≤ 1.15`, `= 1`. */
  target: string;
  verdict: Verdict;
  /** How it was measured, what the limit is made of. */
  note?: string;
  command: string;
  date: string;
  machine: string;
}

export interface FigureInput {
  name: string;
  measured: number;
  limit: number;
  unit: string;
  /** `max`: ratio ≤ maxRatio passes (default); `equal`: measured = limit; `info`: no verdict. */
  kind?: 'max' | 'equal' | 'min' | 'info';
  maxRatio?: number;
  note?: string;
}

export function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}`;
}

export class Figures {
  readonly list: Figure[] = [];

  constructor(
    private readonly command: string,
    private readonly print: (line: string) => void = (l) => console.log(l),
  ) {}

  add(benchmark: string, input: FigureInput): Figure {
    const kind = input.kind ?? 'max';
    const ratio =
      input.limit === 0
        ? input.measured === 0
          ? 1
          : Number.POSITIVE_INFINITY
        : input.measured / input.limit;
    const maxRatio = input.maxRatio ?? 1;
    let verdict: Verdict = 'INFO';
    let target = '';
    if (kind === 'max') {
      verdict = ratio <= maxRatio + 1e-9 ? 'PASS' : 'FAIL';
      target = `≤ ${maxRatio}`;
    } else if (kind === 'min') {
      verdict = ratio + 1e-9 >= maxRatio ? 'PASS' : 'FAIL';
      target = `≥ ${maxRatio}`;
    } else if (kind === 'equal') {
      verdict = input.measured === input.limit ? 'PASS' : 'FAIL';
      target = `= ${num(input.limit, input.unit)}`;
    }
    const figure: Figure = {
      benchmark,
      name: input.name,
      measured: input.measured,
      limit: input.limit,
      unit: input.unit,
      ratio,
      target,
      verdict,
      ...(input.note ? { note: input.note } : {}),
      command: this.command,
      date: new Date().toISOString(),
      machine: machine(),
    };
    this.list.push(figure);
    this.print(formatFigure(figure));
    return figure;
  }
}

export function num(n: number, unit = ''): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs === 0 || Number.isInteger(n) ? 0 : abs < 10 ? 2 : abs < 100 ? 1 : 0;
  return `${n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })}${unit ? ` ${unit}` : ''}`;
}

export function formatFigure(f: Figure): string {
  const ratio = Number.isFinite(f.ratio) ? f.ratio.toFixed(3) : '—';
  return `${f.name}: ${num(f.measured, f.unit)} / ${num(f.limit, f.unit)} = ${ratio} (${f.verdict}${f.target ? `, target ${f.target}` : ''})`;
}
