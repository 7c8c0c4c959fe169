/**
 * The evaluator pool's small helpers (pool.ts): `$fetch` answered on the main thread, the
 * bindings a worker is sent, and the errors the pool raises itself.
 */
import { MappingRuntimeError, MapsyncError } from '../../errors.ts';
import type { CompiledExpression, EvaluationContext } from '../model.ts';

/** `$fetch` asked by a worker, answered by the record's context on this thread. */
export function fetchAnswer(
  ctx: EvaluationContext,
  fetch: { side: 'source' | 'target'; name: string },
  args: unknown,
): Promise<unknown> {
  if (!ctx.fetch)
    return Promise.reject(
      new MapsyncError(
        'MAP_EVAL_ERROR',
        `$fetch('${fetch.side}', '${fetch.name}', …): no system is connected in this evaluation`,
      ),
    );
  return ctx.fetch(fetch.side, fetch.name, (args ?? {}) as Record<string, unknown>);
}

export function pick(
  bindings: Record<string, unknown> | undefined,
  names: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!bindings) return out;
  for (const name of names) if (name in bindings) out[name] = bindings[name];
  return out;
}

export function stopped(expression: CompiledExpression, code: string, detail: string): MappingRuntimeError {
  const { file, line, col } = expression.position;
  return new MappingRuntimeError(
    code,
    `${file}:${line}:${col}: mapping "${expression.mapping}", ${expression.label}: ${detail}`,
    expression.mapping,
    expression.label,
  );
}

export function closedError(): MapsyncError {
  return new MapsyncError('EVAL_CLOSED', 'the expression evaluator was closed');
}

/**
 * `resolve` and `reject` that listen to `signal` until one of them is called: `onAbort`
 * runs when the signal aborts first (the run of the evaluation stopped).
 */
export function listening<T>(
  signal: AbortSignal,
  onAbort: () => void,
  settle: { resolve(value: T): void; reject(error: unknown): void },
): { resolve(value: T): void; reject(error: unknown): void } {
  const { resolve, reject } = settle;
  signal.addEventListener('abort', onAbort, { once: true });
  const off = () => signal.removeEventListener('abort', onAbort);
  return {
    resolve(value) {
      off();
      resolve(value);
    },
    reject(error) {
      off();
      reject(error);
    },
  };
}
