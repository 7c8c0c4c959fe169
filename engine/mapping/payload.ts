/**
 * What a create sends: the one payload rule, used by the sync engine (creates in the
 * target, lines created with their order, creates in the source) and by `mapsync test`, so
 * a mapping test specifies exactly the record the engine would send.
 *
 * Empty values (`undefined`, `null`, `""`) are left out. For the engine "" = null =
 * missing (values.ts `sameValue`), so sending them would say nothing the system does not
 * assume anyway, and some systems refuse an empty string where they accept no field at all
 * (an e-mail address, a country code). `target.where` values are always sent: they are
 * what makes the record belong to the mapping.
 */
import type { CompiledMapping } from './model.ts';
import { buildRecord, isEmpty } from './values.ts';

/** Path → value pairs without the empty ones. */
function present(values: Iterable<readonly [string, unknown]>): Array<readonly [string, unknown]> {
  return [...values].filter(([, value]) => !isEmpty(value));
}

/** The record to create in the target: `target.where` plus every non-empty yielded value, nested. */
export function targetPayload(
  mapping: Pick<CompiledMapping, 'target'>,
  yields: Iterable<readonly [string, unknown]>,
): Record<string, unknown> {
  return buildRecord([...Object.entries(mapping.target.where), ...present(yields)]);
}

/** The record to create in the source (`create.in_source`): every non-empty value, nested. */
export function sourcePayload(values: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  return buildRecord(present(values));
}
