/**
 * The sandbox validates and shapes records with mapsync's own entity schemas
 * (`schemas/poweroffice-go/*.schema.json`), so the schemas the engine validates against
 * are the ones the sandbox enforces: property names, types, maxLength, enums, formats and
 * which properties are read-only.
 *
 * Input is bound the ASP.NET way: property names case-insensitively, unknown properties
 * ignored, read-only properties ignored, enum values case-insensitively.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Problem } from './problem.ts';

/** DTOs the sandbox reads or writes, each described by `schemas/poweroffice-go/<name>.schema.json`. */
export const ENTITIES = [
  'customer',
  'product',
  'salesorder',
  'salesorderline',
  'contactperson',
  'bankvoucher',
  'sendinvoicerequest',
  'invoicesentstate',
  'outgoinginvoice',
  'outgoinginvoiceline',
  'customerledgerentry',
  'vatcode',
  'generalledgeraccount',
  'currency',
  'currencyrate',
  'vatsettings',
] as const;
export type Entity = (typeof ENTITIES)[number];

export interface PropertySchema {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  maxLength?: number;
  readOnly?: boolean;
  writeOnly?: boolean;
  description?: string;
  properties?: Record<string, PropertySchema>;
  items?: PropertySchema;
}

export interface EntitySchema {
  $id: string;
  properties: Record<string, PropertySchema>;
}

/** Human names used in vendor messages ("Customer validation error(s)"). */
export const LABEL: Record<Entity, string> = {
  customer: 'Customer',
  product: 'Product',
  salesorder: 'Sales order',
  salesorderline: 'Sales order line',
  contactperson: 'Contact person',
  bankvoucher: 'Voucher',
  sendinvoicerequest: 'Send invoice request',
  invoicesentstate: 'Invoice sent state',
  outgoinginvoice: 'Outgoing invoice',
  outgoinginvoiceline: 'Outgoing invoice line',
  customerledgerentry: 'Customer ledger entry',
  vatcode: 'Vat code',
  generalledgeraccount: 'General ledger account',
  currency: 'Currency',
  currencyrate: 'Currency rate',
  vatsettings: 'Vat settings',
};

function load(entity: Entity): EntitySchema {
  const url = new URL(`../../schemas/poweroffice-go/${entity}.schema.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as EntitySchema;
}

export const SCHEMAS = Object.fromEntries(ENTITIES.map((e) => [e, load(e)])) as Record<Entity, EntitySchema>;

/** Properties that exist on the DTO (what responses carry), nested objects included. */
export function readableProperties(props: Record<string, PropertySchema>): string[] {
  return Object.entries(props)
    .filter(([, p]) => !p.writeOnly)
    .map(([name]) => name);
}

// ajv-formats is CommonJS; its default export is the plugin function itself.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const isCreateOnly = (p: PropertySchema) => p.description?.startsWith('Create only') === true;

/** Find a property by name, case-insensitively. */
export function findProperty(
  props: Record<string, PropertySchema>,
  name: string,
): [string, PropertySchema] | undefined {
  const lower = name.toLowerCase();
  for (const entry of Object.entries(props)) if (entry[0].toLowerCase() === lower) return entry;
  return undefined;
}

/**
 * Bind a JSON body: canonical property names, unknown properties dropped, read-only
 * properties dropped too unless `keepReadOnly` (admin inserts), enum strings in their
 * canonical spelling.
 */
export function bind(
  props: Record<string, PropertySchema>,
  input: unknown,
  keepReadOnly = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return out;
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    const found = findProperty(props, key);
    if (!found) continue;
    const [name, schema] = found;
    if (schema.readOnly && !keepReadOnly) continue;
    out[name] = bindValue(schema, value, keepReadOnly);
  }
  return out;
}

function bindValue(schema: PropertySchema, value: unknown, keepReadOnly: boolean): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (schema.enum && typeof value === 'string') {
    const match = schema.enum.find((e) => typeof e === 'string' && e.toLowerCase() === value.toLowerCase());
    return match ?? value;
  }
  if (schema.properties && typeof value === 'object' && !Array.isArray(value)) {
    return bind(schema.properties, value, keepReadOnly);
  }
  return value;
}

/** The raw value of a property of a JSON body, looked up case-insensitively. */
export function rawProperty(input: unknown, name: string): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(input as Record<string, unknown>))
    if (k.toLowerCase() === lower) return v;
  return undefined;
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

/** A draft-07 schema for writable values: read-only properties removed, nothing required. */
function writableSchema(props: Record<string, PropertySchema>): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(props)) {
    if (p.readOnly) continue;
    const { description: _d, readOnly: _r, writeOnly: _w, properties: nested, ...rest } = p;
    properties[name] = nested ? { ...rest, properties: writableSchema(nested).properties } : rest;
  }
  return { type: 'object', properties };
}

const validators = new Map<string, ValidateFunction>();

function validatorFor(key: string, props: Record<string, PropertySchema>): ValidateFunction {
  let v = validators.get(key);
  if (!v) {
    v = ajv.compile(writableSchema(props));
    validators.set(key, v);
  }
  return v;
}

/**
 * Check bound values against the schema. Type, enum and format errors are what ASP.NET's
 * JSON binding rejects before the service sees the body (a ValidationProblemDetails with
 * an `errors` map); maxLength is the service's own validation ("<Entity> validation error(s)").
 */
export function validate(
  entity: Entity,
  props: Record<string, PropertySchema>,
  values: Record<string, unknown>,
  key: string = entity,
): void {
  const v = validatorFor(key, props);
  if (v(values)) return;
  const errors = v.errors ?? [];
  const binding = errors.filter((e) => e.keyword !== 'maxLength');
  if (binding.length > 0) {
    const map: Record<string, string[]> = {};
    for (const e of binding) {
      const path = `$${e.instancePath.replace(/\//g, '.')}`;
      map[path] = [...(map[path] ?? []), bindingMessage(e, path)];
    }
    throw new Problem(400, 'One or more validation errors occurred.', undefined, map);
  }
  const details = errors.map((e) => {
    const field = e.instancePath.split('/').filter(Boolean).join('.');
    return `The field ${field} must be a string with a maximum length of ${(e.params as { limit: number }).limit}.`;
  });
  throw new Problem(400, `${LABEL[entity]} validation error(s)`, details.join(' '));
}

function bindingMessage(e: ErrorObject, path: string): string {
  if (e.keyword === 'enum') return `The JSON value could not be converted to an enum value. Path: ${path}`;
  if (e.keyword === 'format') return `The JSON value is not a valid ${e.params.format}. Path: ${path}`;
  return `The JSON value could not be converted to ${e.params.type ?? 'the target type'}. Path: ${path}`;
}

/** Properties a JSON Patch may touch that exist on the DTO but are read-only or create-only. */
export function notPatchable(p: PropertySchema): boolean {
  return p.readOnly === true || p.writeOnly === true || isCreateOnly(p);
}
