/**
 * Helpers shared by the entity modules: rendering stored records as full DTOs, the
 * vendor's validation and uniqueness messages, and timestamps on admin inserts.
 */
import { canonical } from './clock.ts';
import { Problem } from './problem.ts';
import { RecordMap } from './record-map.ts';
import { type Entity, LABEL, type PropertySchema } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';

/** Every readable property of the DTO, null when unset (the service returns nulls). */
export function renderDto(
  props: Record<string, PropertySchema>,
  rec: Rec,
  omit: readonly string[] = [],
): Rec {
  const out: Rec = {};
  for (const [name, p] of Object.entries(props)) {
    if (p.writeOnly || omit.includes(name)) continue;
    const value = rec[name];
    if (p.properties && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out[name] = renderDto(p.properties, value as Rec);
    } else {
      out[name] = value === undefined ? null : structuredClone(value);
    }
  }
  return out;
}

/** A required-field error the way ASP.NET's model validation reports it. */
export function required(field: string): Problem {
  const name = field.split('.').pop();
  return new Problem(400, 'One or more validation errors occurred.', undefined, {
    [field]: [`The ${name} field is required.`],
  });
}

export function invalid(entity: Entity, detail: string): Problem {
  return new Problem(400, `${LABEL[entity]} validation error(s)`, detail);
}

const KIND: Partial<Record<Entity, string>> = {
  customer: 'contact',
  product: 'product',
  salesorder: 'sales order',
  salesorderline: 'sales order line',
  contactperson: 'contact person',
  bankvoucher: 'voucher',
};

/** "ExternalImportReference is already in use. 'ABC123' is used on (contact) Id = 123456789." */
export function alreadyInUse(entity: Entity, field: string, value: unknown, id: unknown): Problem {
  return invalid(
    entity,
    `${field} is already in use. '${String(value)}' is used on (${KIND[entity] ?? LABEL[entity].toLowerCase()}) Id = ${String(id)}.`,
  );
}

/** SQL Server's default collation compares case-insensitively; so does the sandbox. */
export function sameText(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Refuse a value another record of `records` already holds in `field` (case-insensitively for text). */
export function ensureUnique(
  entity: Entity,
  records: Iterable<Rec> | RecordMap,
  field: string,
  value: unknown,
  selfId?: unknown,
): void {
  if (value === null || value === undefined || value === '') return;
  if (records instanceof RecordMap && records.indexes(field)) {
    for (const id of records.holders(field, value)) {
      if (selfId !== undefined && id === String(selfId)) continue;
      throw alreadyInUse(entity, field, value, records.get(id)?.Id);
    }
    return;
  }
  for (const r of records instanceof RecordMap ? records.values() : records) {
    if (selfId !== undefined && String(r.Id) === String(selfId)) continue;
    const other = r[field];
    if (typeof value === 'string' ? sameText(other, value) : other === value)
      throw alreadyInUse(entity, field, value, r.Id);
  }
}

/** Every LastChangedDateTimeOffset in the state (they are unique). */
function allTimestamps(state: PowerOfficeState): Set<string> {
  const set = new Set<string>();
  for (const map of [state.customers, state.products, state.orders, state.contactPersons]) {
    for (const r of map.values())
      if (typeof r.LastChangedDateTimeOffset === 'string') set.add(r.LastChangedDateTimeOffset);
  }
  return set;
}

/**
 * For admin inserts: keep explicitly given timestamps (canonicalised; the clock continues
 * after them), fill the others from the clock. A LastChangedDateTimeOffset already used by
 * another record is refused: the sandbox promises unique values.
 */
export function stampInsert(state: PowerOfficeState, rec: Rec, fields: readonly string[]): void {
  // Collected only when a timestamp is given (admin inserts): a scan of every record.
  let taken: Set<string> | undefined;
  const now = state.clock.next();
  for (const field of fields) {
    const given = rec[field];
    if (typeof given === 'string') {
      const c = canonical(given);
      if (!c) throw new Problem(400, 'Invalid record', `${field} '${given}' is not a timestamp.`);
      if (field === 'LastChangedDateTimeOffset') taken ??= allTimestamps(state);
      if (field === 'LastChangedDateTimeOffset' && taken?.has(c)) {
        throw new Problem(
          400,
          'Invalid record',
          `LastChangedDateTimeOffset ${c} is already used by another record.`,
        );
      }
      rec[field] = c;
      state.clock.observe(c);
    } else {
      rec[field] = now;
    }
  }
}

export function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Id path parameters: int64 ids must be digits, order/line ids uuids. */
export function validIntId(id: string): boolean {
  return /^\d{1,19}$/.test(id);
}

export function validUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

/** Run a create; sequences (ids, numbers) move only when it succeeds, as ids are not reused. */
export function keepingSequences<T>(state: PowerOfficeState, create: () => T): T {
  const saved = { ...state.seq };
  try {
    return create();
  } catch (error) {
    state.seq = saved;
    throw error;
  }
}
