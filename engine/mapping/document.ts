/**
 * The shape of a mapping file as written (format version 1), mirroring
 * schemas/mapping.schema.json, which is the source of truth. The compiler reads documents
 * defensively through these types: a document with schema errors is still compiled as far
 * as it goes, so one run reports every problem.
 */
export interface MappingSideDocument {
  system?: unknown;
  entity?: unknown;
  label?: unknown;
}

export interface TargetSideDocument extends MappingSideDocument {
  where?: unknown;
  locked_when?: unknown;
}

export interface PropertyDocument {
  source?: unknown;
  target?: unknown;
  type?: unknown;
  direction?: unknown;
  to_target?: unknown;
  to_source?: unknown;
  conflict?: unknown;
  normalize?: unknown;
  description?: unknown;
}

export interface MappingDocument {
  version?: unknown;
  name?: unknown;
  description?: unknown;
  source?: MappingSideDocument;
  target?: TargetSideDocument;
  direction?: unknown;
  create?: { in_target?: unknown; in_source?: unknown };
  match?: unknown;
  identity?: { target?: unknown; source?: unknown };
  when?: unknown;
  report?: unknown;
  conflict?: unknown;
  first_sync?: unknown;
  delete?: unknown;
  delete_limit?: unknown;
  dependencies?: unknown;
  parent?: unknown;
  each?: unknown;
  key?: unknown;
  variables?: unknown;
  properties?: unknown;
  actions?: unknown;
  scans?: unknown;
  checks?: unknown;
}

/** Narrowing helpers for reading a possibly invalid document. */
export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
export const obj = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
export const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
export const oneOf = <T extends string>(value: unknown, allowed: readonly T[], fallback: T): T =>
  typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
