/**
 * What engine/mapping/evaluator/local.ts evaluates on the calling thread and what it hands to
 * the runner (the worker pool): bounded expressions run here only on inputs of ordinary
 * size (LOCAL_MAX_SIZE, counted over the input and the bindings the expression reads); a
 * hostile record of thousands of values goes to the worker and its hard time limit.
 */
import { describe, expect, it } from 'vitest';
import { LOCAL_MAX_SIZE, sizeOf, withLocalEvaluation } from '../../engine/mapping/evaluator/local.ts';
import { DEFAULT_LIMITS } from '../../engine/mapping/evaluator/prepare.ts';
import {
  type EvalItem,
  type ExpressionRunner,
  inProcessRunner,
} from '../../engine/mapping/evaluator/runner.ts';
import { compileExpression } from '../../engine/mapping/expression.ts';
import type { CompiledExpression, EvaluationContext } from '../../engine/mapping/model.ts';

function compile(text: string): CompiledExpression {
  const { expression, diagnostics } = compileExpression(
    text,
    { file: 'm.yaml', mapping: 'm', label: 'test', locate: () => ({ file: 'm.yaml', line: 1, col: 1 }) },
    { limits: DEFAULT_LIMITS, variables: {}, contextVariables: ['parent', 'position'] },
  );
  expect(diagnostics).toEqual([]);
  return expression!;
}

/** The runner that stands for the worker pool: evaluates in-process and records what it was sent. */
function recording() {
  const sent: string[] = [];
  const runner: ExpressionRunner = {
    evaluate(items: readonly EvalItem[], ctx: EvaluationContext) {
      sent.push(...items.map((item) => item.expression.text));
      return inProcessRunner.evaluate(items, ctx);
    },
  };
  return { sent, local: withLocalEvaluation(runner) };
}

const ctx: EvaluationContext = { link: async () => undefined };
const sum = compile('$sumDecimal(lines.total)');

describe('local evaluation of bounded expressions', () => {
  it('a bounded expression on an ordinary record runs here, the same on a hostile-sized one goes to the runner', async () => {
    expect(sum.bounded).toBe(true);
    const { sent, local } = recording();
    const small = { lines: [{ total: '1.50' }, { total: '2.25' }] };
    expect(await local.evaluate([{ expression: sum, input: small }], ctx)).toEqual([3.75]);
    expect(sent).toEqual([]);
    const huge = { lines: Array.from({ length: LOCAL_MAX_SIZE }, () => ({ total: '1' })) };
    expect(await local.evaluate([{ expression: sum, input: huge }], ctx)).toEqual([LOCAL_MAX_SIZE]);
    expect(sent).toEqual([sum.text]);
  });

  it('counts the bindings the expression reads ($parent), not the others', async () => {
    // Not direct.ts's subset ($substring): JSONata evaluates them.
    const reads = compile('$substring($parent.name, 0) & "-" & ref');
    const ignores = compile('$substring(ref, 0) & "-x"');
    const big = { name: 'p', lines: Array.from({ length: LOCAL_MAX_SIZE }, (_, i) => i) };
    const { sent, local } = recording();
    const values = await local.evaluate(
      [
        { expression: reads, input: { ref: 'a' }, bindings: { parent: big } },
        { expression: ignores, input: { ref: 'a' }, bindings: { parent: big } },
      ],
      ctx,
    );
    expect(values).toEqual(['p-a', 'a-x']);
    expect(sent).toEqual([reads.text]);
  });

  it('sizes strings by length and stops counting past the limit', () => {
    expect(sizeOf('x'.repeat(64 * 10))).toBe(11);
    expect(sizeOf({ a: [1, 2, { b: 'c' }] })).toBe(6);
    const endless = Array.from({ length: 100_000 }, () => ({ x: 1 }));
    expect(sizeOf(endless)).toBeGreaterThan(LOCAL_MAX_SIZE);
    expect(sizeOf(endless)).toBeLessThan(LOCAL_MAX_SIZE + 10);
  });
});

describe('a $link the direct closure defers (evaluator/direct-core.ts LinkCall)', () => {
  const linking = compile('kind = "product" ? $link("product", id)');
  const failing = compile('$substring(name, 0) & $error("stop")');

  function linkLog(fail?: string) {
    const calls: unknown[] = [];
    const context: EvaluationContext = {
      async link(mapping, key) {
        calls.push([mapping, key]);
        if (key === fail) throw new Error(`no ${mapping} ${String(key)}`);
        return `${mapping}-${String(key)}`;
      },
    };
    return { calls, context };
  }

  it('is made on this thread, once, in batch order, and not after a failure', async () => {
    expect(linking.direct).toBeDefined();
    const { sent, local } = recording();
    const { calls, context } = linkLog();
    const batch = [
      { expression: linking, input: { kind: 'product', id: 1 } },
      { expression: linking, input: { kind: 'fee', id: 2 } },
      { expression: failing, input: { name: 'x' } },
      { expression: linking, input: { kind: 'product', id: 3 } },
    ];
    await expect(local.evaluate(batch, context)).rejects.toThrow(/stop/);
    expect(calls).toEqual([['product', 1]]);
    expect(sent).toEqual([]);
    expect(await local.evaluate(batch.slice(0, 2), context)).toEqual(['product-1', undefined]);
  });

  it('fails as JSONata does when the link fails: same error, same message', async () => {
    const { local } = recording();
    const direct = await local
      .evaluate([{ expression: linking, input: { kind: 'product', id: 'gone' } }], linkLog('gone').context)
      .catch((error: unknown) => error);
    const jsonata = await linking
      .evaluate({ kind: 'product', id: 'gone' }, linkLog('gone').context)
      .catch((error: unknown) => error);
    expect(direct).toBeInstanceOf(Error);
    expect((direct as Error).message).toBe((jsonata as Error).message);
    expect((direct as Error).constructor).toBe((jsonata as Error).constructor);
  });
});
