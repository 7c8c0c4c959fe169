/**
 * Messages between the evaluator pool (main thread) and an evaluation worker.
 *
 * A job is one record-level operation: several expressions, each on its input. The worker
 * answers `$link` from the answers it was sent; for one it does not have it stops that
 * evaluation and asks (`needs`), the pool resolves it on the main thread (where the link
 * store and the connectors are) and sends the rest of the job again with the answer. So
 * a worker never waits: each message it handles is one uninterrupted stretch of CPU, which
 * is what the hard time limit measures.
 *
 * Answers the main thread marks `keep` are also remembered by the worker for the rest of
 * the run (`scope`), per linked mapping and only while that mapping's link generation is
 * unchanged, so an order's lines do not ask for the same product again and again.
 *
 * Shared memory (`Progress`) tells the pool which item a worker is on and since when,
 * without a message per item: the pool reads it only when a deadline passes.
 */
import type { ExpressionSpec } from './prepare.ts';

export interface WireItem {
  /** Pool-local id of the expression (defined once per worker). */
  id: number;
  input: unknown;
  bindings: Record<string, unknown>;
}

export interface EvalMessage {
  kind: 'eval';
  job: number;
  /** Expressions this worker has not compiled yet. */
  define: Array<[number, ExpressionSpec]>;
  items: WireItem[];
  /** `$link` answers known so far for this record, by `linkKey`; `keep`: reusable for the run. */
  answers: Array<[key: string, answer: unknown, keep: boolean]>;
  /** The run whose kept answers apply, with the link generation of each mapping linked to. */
  scope?: { id: number; generations: Array<[mapping: string, generation: number]> };
}

export interface WireError {
  message: string;
  code?: string;
  position?: number;
  token?: string;
}

export type WorkerMessage =
  | { kind: 'ready' }
  /** `values`: the results of the items evaluated in this message, in order. */
  | { kind: 'done'; job: number; values: unknown[] }
  | { kind: 'needs'; job: number; values: unknown[]; mapping: string; key: unknown }
  | { kind: 'failed'; job: number; values: unknown[]; error: WireError };

/** The error as plain data: what MappingRuntimeError needs (JSONata code, position, message). */
export function wireError(error: unknown): WireError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  return {
    message: typeof e.message === 'string' ? e.message : String(error),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.position === 'number' ? { position: e.position } : {}),
    ...(typeof e.token === 'string' ? { token: e.token } : {}),
  };
}

/** A view on the shared progress buffer: item index and its start time (ms since epoch). */
export class Progress {
  static readonly BYTES = 16;
  private readonly started: Float64Array;
  private readonly index: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.started = new Float64Array(buffer, 0, 1);
    this.index = new Int32Array(buffer, 8, 1);
  }

  mark(index: number, at = Date.now()): void {
    this.started[0] = at;
    Atomics.store(this.index, 0, index);
  }

  read(): { index: number; startedAt: number } {
    return { index: Atomics.load(this.index, 0), startedAt: this.started[0]! };
  }
}
