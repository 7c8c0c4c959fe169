/**
 * Expressions that are only a path of names (`ref`, `line.product_id`, `MailAddress.City`)
 * are read here, on the calling thread, without JSONata and without a worker: a field
 * lookup is bounded by the depth of the path. The result is JSONata's own as long as no
 * array is met on the way (JSONata maps a path over arrays and flattens the results); when
 * one is, or the input itself is an array, the expression goes to the runner as usual.
 */
import { toPlain } from '../plain.ts';
import type { EvalItem, ExpressionRunner } from './runner.ts';

/** `{ value }` when the path can be read here; undefined when JSONata must evaluate it. */
export function readPlainPath(path: readonly string[], input: unknown): { value: unknown } | undefined {
  if (Array.isArray(input)) return undefined;
  let node: unknown = input;
  for (const name of path) {
    if (node === null || typeof node !== 'object') return { value: undefined };
    node = (node as Record<string, unknown>)[name];
    if (Array.isArray(node)) return undefined;
  }
  return { value: toPlain(node) };
}

/** A runner that reads plain-path expressions itself and sends only the others on. */
export function withPlainPaths(runner: ExpressionRunner): ExpressionRunner {
  return {
    async evaluate(items, ctx) {
      const values: unknown[] = new Array(items.length);
      const rest: EvalItem[] = [];
      const restAt: number[] = [];
      items.forEach((item, i) => {
        const path = item.expression.plainPath;
        const read = path ? readPlainPath(path, item.input) : undefined;
        if (read) values[i] = read.value;
        else {
          rest.push(item);
          restAt.push(i);
        }
      });
      if (rest.length > 0) {
        const computed = await runner.evaluate(rest, ctx);
        restAt.forEach((i, j) => {
          values[i] = computed[j];
        });
      }
      return values;
    },
  };
}
