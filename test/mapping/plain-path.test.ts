/**
 * A path of names (`billing.city`, `line_items`) is read without JSONata
 * (engine/mapping/evaluator/local.ts `readPlainPath`). Whenever the read answers, JSONata
 * gives the same value, checked on random JSON records: objects under the names the paths
 * use, arrays (empty, of one item, nested) on the way and at the end, scalars, null; where
 * an array is met on the way JSONata maps the path over it, and the read leaves it to
 * JSONata.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readPlainPath } from '../../engine/mapping/evaluator/local.ts';
import { DEFAULT_LIMITS } from '../../engine/mapping/evaluator/prepare.ts';
import { compileExpression } from '../../engine/mapping/expression.ts';

const NAMES = ['a', 'b', 'c'] as const;

const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, 0, 1, -2.5, '', 'x', true, false),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...NAMES, 'd'), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const path = fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 });

/** A record holding `value` under `names`, one object per name. */
const nest = (names: readonly string[], value: unknown): unknown =>
  names.reduceRight<unknown>((inner, name) => ({ [name]: inner }), value);

/**
 * A path and a record: half of them random records, half records that hold an array at the
 * end of the path, so that the case the read must get right is common by construction, not
 * by luck (with random records alone it came up 50 times in 3,000 once, and the count below
 * failed).
 */
const pathAndRecord = fc.oneof(
  fc.tuple(path, json),
  path.chain((names) =>
    fc.array(json, { maxLength: 3 }).map((items) => [names, nest(names, items)] as [string[], unknown]),
  ),
);

describe('plain paths without JSONata', () => {
  it('give JSONata’s value whenever they answer, arrays at the end of the path included', async () => {
    let answered = 0;
    let arraysAtTheEnd = 0;
    await fc.assert(
      fc.asyncProperty(pathAndRecord, async ([names, input]) => {
        const text = names.join('.');
        const { expression } = compileExpression(
          text,
          {
            file: 'm.yaml',
            mapping: 'm',
            label: 'test',
            locate: () => ({ file: 'm.yaml', line: 1, col: 1 }),
          },
          { limits: DEFAULT_LIMITS, variables: {}, contextVariables: [] },
        );
        expect(expression?.plainPath).toEqual(names);
        const read = readPlainPath(expression!.plainPath!, input);
        if (!read) return;
        answered++;
        if (Array.isArray(read.value)) arraysAtTheEnd++;
        const byJsonata = await expression!.evaluate(input, { link: async () => undefined });
        expect(read.value).toStrictEqual(byJsonata);
      }),
      { numRuns: 3000 },
    );
    // The generator reaches the cases that matter.
    expect(answered).toBeGreaterThan(1000);
    expect(arraysAtTheEnd).toBeGreaterThan(500);
  });

  it('leave a path that meets an array on the way, or an array input, to JSONata', () => {
    expect(readPlainPath(['a', 'b'], { a: [{ b: 1 }] })).toBeUndefined();
    expect(readPlainPath(['a'], [{ a: 1 }])).toBeUndefined();
    expect(readPlainPath(['a', 'b'], { a: { b: [[1], [2]] } })).toEqual({ value: [[1], [2]] });
    expect(readPlainPath(['a'], { a: [7] })).toEqual({ value: [7] });
  });
});
