/**
 * Comparing a mapping test's output with its expectation, and explaining a difference in a
 * few readable lines (one per differing path) rather than two JSON dumps.
 */
import diff from 'microdiff';

const show = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));
const pathText = (path: (string | number)[]): string => (path.length === 0 ? '(output)' : path.join('.'));

/** Lines describing how `actual` differs from `expected` (empty when equal). */
export function explainEquals(expected: unknown, actual: unknown): string[] {
  if (!isContainer(expected) || !isContainer(actual) || Array.isArray(expected) !== Array.isArray(actual)) {
    return JSON.stringify(expected) === JSON.stringify(actual)
      ? []
      : [`(output): expected ${show(expected)}, got ${show(actual)}`];
  }
  return diff(expected, actual).map((change) => {
    const where = pathText(change.path);
    if (change.type === 'CREATE') return `${where}: not expected, got ${show(change.value)}`;
    if (change.type === 'REMOVE') return `${where}: expected ${show(change.oldValue)}, got nothing`;
    return `${where}: expected ${show(change.oldValue)}, got ${show(change.value)}`;
  });
}

/**
 * Lines describing what of `expected` is not in `actual`: objects may have more keys;
 * arrays must have the same length and contain the expected element at each position.
 */
export function explainContains(
  expected: unknown,
  actual: unknown,
  path: (string | number)[] = [],
): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${pathText(path)}: expected an array, got ${show(actual)}`];
    if (actual.length !== expected.length) {
      return [`${pathText(path)}: expected ${expected.length} items, got ${actual.length}`];
    }
    return expected.flatMap((item, i) => explainContains(item, actual[i], [...path, i]));
  }
  if (isContainer(expected)) {
    if (!isContainer(actual) || Array.isArray(actual))
      return [`${pathText(path)}: expected an object, got ${show(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) =>
      explainContains(value, (actual as Record<string, unknown>)[key], [...path, key]),
    );
  }
  return JSON.stringify(expected) === JSON.stringify(actual)
    ? []
    : [`${pathText(path)}: expected ${show(expected)}, got ${show(actual)}`];
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}
