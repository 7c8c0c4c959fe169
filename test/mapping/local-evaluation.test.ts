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
    // Not direct.ts's subset (an array constructor): JSONata evaluates them.
    const reads = compile('$join([$parent.name, ref], "-")');
    const ignores = compile('$join([ref, "x"], "-")');
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
