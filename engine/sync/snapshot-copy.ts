/**
 * A deep copy of a merge base, equal to what `structuredClone` gives (keys in the same
 * order) at a fraction of its cost: a base is copied for every record updated, and nearly
 * all its values are scalars, which need no copy. Composite values are still cloned, so the
 * copy shares nothing mutable with the original.
 */
import type { Snapshot } from '../store/records.ts';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;

/**
 * A copy the caller owns, equal to structuredClone's; a scalar is its own copy
 * (structuredClone costs about 1 µs even on one).
 */
export function copyValue<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...value] as T;
  return structuredClone(value);
}

/** The snapshot's records (source, target, yields) copied one level down, the rest cloned. */
export function copySnapshot(base: Snapshot): Snapshot {
  const copy: Record<string, unknown> = {};
  for (const [key, part] of Object.entries(base)) {
    if (!isRecord(part)) {
      copy[key] = copyValue(part);
      continue;
    }
    const values: Record<string, unknown> = {};
    for (const [path, value] of Object.entries(part)) values[path] = copyValue(value);
    copy[key] = values;
  }
  return copy as unknown as Snapshot;
}
