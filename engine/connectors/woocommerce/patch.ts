/**
 * RFC 6902 operations on a WooCommerce record → the partial body WooCommerce updates take.
 * WooCommerce updates are partial at every level: omitted fields stay, nested objects such
 * as `billing` merge key by key. So `replace /billing/city "Oslo"` becomes
 * `{billing: {city: "Oslo"}}`.
 *
 * WordPress rejects `null` for string fields, so a `null` (or a `remove`) of a field the
 * entity schema types as a plain string is sent as `""`. Paths into arrays
 * (`/line_items/0/quantity`) are refused: arrays are written whole (`/meta_data`), since
 * their elements are addressed by id, not by position.
 */
import { ConnectorError } from '../errors.ts';
import type { EntityRecord, PatchOperation } from '../types.ts';
import { SYSTEM } from './errors.ts';

/** The part of a JSON Schema this module reads. */
export interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
}

export function opsToPartial(ops: readonly PatchOperation[], schema: SchemaNode, path: string): EntityRecord {
  const body: EntityRecord = {};
  for (const op of ops) {
    if (op.op === 'test') continue;
    if (op.op !== 'add' && op.op !== 'replace' && op.op !== 'remove') {
      throw invalid(path, `patch operation "${op.op}" is not supported`);
    }
    const segments = parsePointer(op.path);
    if (segments.length === 0) throw invalid(path, 'a patch may not replace the whole record');
    let node: SchemaNode | undefined = schema;
    let target: EntityRecord = body;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      const last = i === segments.length - 1;
      node = node?.properties?.[segment];
      if (!last) {
        if (node && !typesOf(node).includes('object') && typesOf(node).length > 0) {
          throw invalid(
            path,
            `cannot patch inside "${segments.slice(0, i + 1).join('.')}" (arrays are written whole)`,
          );
        }
        const next = target[segment];
        if (typeof next !== 'object' || next === null || Array.isArray(next)) target[segment] = {};
        target = target[segment] as EntityRecord;
        continue;
      }
      const value = op.op === 'remove' ? null : (op as { value: unknown }).value;
      target[segment] = value === null ? nullFor(node) : value;
    }
  }
  return body;
}

/** `null` where the schema allows it, `""` for plain strings (WordPress rejects null strings). */
function nullFor(node: SchemaNode | undefined): unknown {
  const types = node ? typesOf(node) : [];
  if (types.includes('null')) return null;
  if (types.includes('string')) return '';
  if (types.includes('array')) return [];
  return null;
}

function typesOf(node: SchemaNode): string[] {
  return node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new TypeError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function invalid(path: string, message: string): ConnectorError {
  return new ConnectorError(`${SYSTEM}: PUT ${path}: ${message}`, {
    system: SYSTEM,
    kind: 'validation',
    method: 'PUT',
    path,
  });
}
