/**
 * Entity schemas (JSON Schema draft-07 files under `schemas/<kind>/`, written with each
 * connector) answer the questions validation asks about a property path: does it exist,
 * what type is it, is it read-only, which values are allowed. `EntitySchemas` loads each
 * file once per validation run (no module-level cache, so tests and long-running services
 * see edits).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type JsonSchema = Record<string, unknown>;

/** What a schema says about one property. */
export interface FieldInfo {
  /** JSON types without `null` (`['string']`, `['integer']`). Empty = any. */
  types: string[];
  nullable: boolean;
  /** The property or one of its ancestors is `readOnly`. */
  readOnly: boolean;
  format?: string;
  enum?: unknown[];
  maxLength?: number;
}

export type PathResolution =
  | { ok: true; field: FieldInfo }
  | {
      ok: false;
      /** The segment that was not found and its index in the path. */
      segment: string;
      index: number;
      /** Property names available where the segment was expected. */
      candidates: string[];
    };

export class EntitySchemas {
  private readonly loaded = new Map<string, Promise<JsonSchema | Error>>();

  constructor(private readonly schemasDir: string) {}

  /**
   * The schema at `relativePath` (relative to the schemas folder, or a `file:` URL for a
   * kind that keeps its schemas in its own folder), or the reason it failed.
   */
  load(relativePath: string): Promise<JsonSchema | Error> {
    let pending = this.loaded.get(relativePath);
    if (!pending) {
      const file = relativePath.startsWith('file:')
        ? fileURLToPath(relativePath)
        : join(this.schemasDir, relativePath);
      pending = readFile(file, 'utf8')
        .then((text) => JSON.parse(text) as JsonSchema)
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      this.loaded.set(relativePath, pending);
    }
    return pending;
  }
}

/** Follow a local `$ref` (`#/definitions/Address`) and fold allOf/anyOf/oneOf properties. */
function resolveNode(root: JsonSchema, node: JsonSchema, depth = 0): JsonSchema {
  if (depth > 20) return node;
  let current = node;
  if (typeof current.$ref === 'string' && current.$ref.startsWith('#/')) {
    let target: unknown = root;
    for (const part of current.$ref.slice(2).split('/')) {
      target = (target as Record<string, unknown> | undefined)?.[
        part.replace(/~1/g, '/').replace(/~0/g, '~')
      ];
    }
    if (target && typeof target === 'object') {
      const { $ref: _ignored, ...rest } = current;
      current = { ...resolveNode(root, target as JsonSchema, depth + 1), ...rest };
    }
  }
  for (const combiner of ['allOf', 'anyOf', 'oneOf']) {
    const parts = current[combiner];
    if (!Array.isArray(parts)) continue;
    const properties: Record<string, unknown> = { ...((current.properties as object) ?? {}) };
    let items = current.items;
    const types = new Set<string>(typeList(current.type));
    for (const part of parts as JsonSchema[]) {
      const resolved = resolveNode(root, part, depth + 1);
      Object.assign(properties, resolved.properties ?? {});
      items ??= resolved.items;
      for (const t of typeList(resolved.type)) types.add(t);
    }
    current = {
      ...current,
      properties,
      ...(items ? { items } : {}),
      ...(types.size ? { type: [...types] } : {}),
    };
  }
  return current;
}

const typeList = (type: unknown): string[] =>
  Array.isArray(type) ? type.map(String) : typeof type === 'string' ? [type] : [];

type Walk = { ok: true; node: JsonSchema; readOnly: boolean } | Extract<PathResolution, { ok: false }>;

function walk(root: JsonSchema, path: string): Walk {
  let node = resolveNode(root, root);
  let readOnly = node.readOnly === true;
  for (const [index, segment] of path.split('.').entries()) {
    if (/^\d+$/.test(segment) && node.items && typeof node.items === 'object') {
      node = resolveNode(root, node.items as JsonSchema);
    } else {
      const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
      const next = Object.hasOwn(properties, segment) ? properties[segment] : undefined;
      if (!next) return { ok: false, segment, index, candidates: Object.keys(properties) };
      node = resolveNode(root, next);
    }
    readOnly ||= node.readOnly === true;
  }
  return { ok: true, node, readOnly };
}

/** Resolve a dotted path in an entity schema. Numeric segments step into array items. */
export function resolvePath(root: JsonSchema, path: string): PathResolution {
  const found = walk(root, path);
  if (!found.ok) return found;
  const { node, readOnly } = found;
  const types = typeList(node.type);
  return {
    ok: true,
    field: {
      types: types.filter((t) => t !== 'null'),
      nullable: types.includes('null'),
      readOnly,
      ...(typeof node.format === 'string' ? { format: node.format } : {}),
      ...(Array.isArray(node.enum) ? { enum: node.enum } : {}),
      ...(typeof node.maxLength === 'number' ? { maxLength: node.maxLength } : {}),
    },
  };
}

/** The schema of one item of the array at `path` (fan-out children), if the schema says. */
export function itemSchema(root: JsonSchema, path: string): JsonSchema | undefined {
  const found = walk(root, path);
  if (!found.ok || !found.node.items || typeof found.node.items !== 'object') return undefined;
  return resolveNode(root, found.node.items as JsonSchema);
}

/** The mapsync value type a schema field has (`date-time` for strings with that format). */
export function valueTypeOf(field: FieldInfo): string {
  const type = field.types[0];
  if (type === 'string' && (field.format === 'date' || field.format === 'date-time')) return field.format;
  if (
    type === 'integer' ||
    type === 'number' ||
    type === 'boolean' ||
    type === 'object' ||
    type === 'array'
  ) {
    return type;
  }
  return 'string';
}
