/** Matching the records PowerOffice Go returns with the ones sent (case- and space-blind). */
import type { EntityRecord } from '../types.ts';

/** The same text, compared as PowerOffice Go compares references: trimmed, any case. */
export const sameText = (a: unknown, b: string) =>
  typeof a === 'string' && a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Lines returned by `SalesOrders/Complete` in the order of the lines sent: matched by
 * ExternalImportReference, then by SortOrder, then by position (the service returns them
 * sorted by SortOrder, which need not be the order they were sent in).
 */
export function alignChildren(sent: EntityRecord[], returned: EntityRecord[]): EntityRecord[] {
  const remaining = [...returned];
  const take = (pred: (r: EntityRecord) => boolean): EntityRecord | undefined => {
    const i = remaining.findIndex(pred);
    return i < 0 ? undefined : remaining.splice(i, 1)[0];
  };
  const aligned: Array<EntityRecord | undefined> = sent.map((child) => {
    const ref = child.ExternalImportReference;
    return typeof ref === 'string' && ref !== ''
      ? take((r) => sameText(r.ExternalImportReference, ref))
      : undefined;
  });
  sent.forEach((child, i) => {
    if (aligned[i]) return;
    const sort = typeof child.SortOrder === 'number' ? child.SortOrder : undefined;
    if (sort !== undefined) aligned[i] = take((r) => r.SortOrder === sort);
  });
  sent.forEach((_, i) => {
    if (!aligned[i]) aligned[i] = remaining.shift();
  });
  return aligned.filter((r): r is EntityRecord => r !== undefined);
}
