/**
 * The document schemas are the editor help (yaml-language-server) and the source of the
 * reference docs: every key has a title, a description and examples.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';

const SCHEMAS = fileURLToPath(new URL('../../schemas/', import.meta.url));
type Node = Record<string, unknown>;

function missingHelp(file: string, required: readonly string[]): string[] {
  const root = JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')) as Node;
  const problems: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (typeof node !== 'object' || node === null) return;
    const schema = node as Node;
    for (const [key, value] of Object.entries((schema.properties as Record<string, Node>) ?? {})) {
      const missing = required.filter((field) => !(field in value));
      if (missing.length > 0) problems.push(`${path}.${key}: ${missing.join(', ')}`);
      walk(value, `${path}.${key}`);
    }
    for (const key of ['items', 'additionalProperties']) walk(schema[key], `${path}/${key}`);
    for (const key of ['anyOf', 'allOf', 'oneOf']) {
      for (const [i, branch] of ((schema[key] as unknown[]) ?? []).entries())
        walk(branch, `${path}/${key}${i}`);
    }
    for (const [name, definition] of Object.entries((schema.definitions as Record<string, Node>) ?? {})) {
      walk(definition, `#${name}`);
    }
  };
  walk(root, '');
  return problems;
}

it('mapping.schema.json and mapping-test.schema.json: title, description and examples on every key', () => {
  expect(missingHelp('mapping.schema.json', ['title', 'description', 'examples'])).toEqual([]);
  expect(missingHelp('mapping-test.schema.json', ['title', 'description', 'examples'])).toEqual([]);
});

it('mapsync.schema.json: title and description on every key', () => {
  expect(missingHelp('mapsync.schema.json', ['title', 'description'])).toEqual([]);
});

it('every document schema is a valid JSON Schema (mapsync compiles them without this check, for start-up time)', () => {
  for (const kind of ['mapping', 'mapping-test', 'mapsync']) {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: 'x-jsonata', schemaType: 'boolean' });
    const schema = JSON.parse(readFileSync(join(SCHEMAS, `${kind}.schema.json`), 'utf8')) as Node;
    expect(ajv.validateSchema(schema), `${kind}: ${ajv.errorsText()}`).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  }
});

it("every connector kind's options fragment is a valid JSON Schema (the options reader compiles it without this check, for start-up time)", () => {
  const kinds = connectors.all();
  expect(kinds.map((k) => k.kind)).toEqual(expect.arrayContaining(['woocommerce', 'poweroffice-go']));
  for (const { kind, spec } of kinds) {
    const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: true });
    expect(ajv.validateSchema(spec.options), `${kind}: ${ajv.errorsText()}`).toBe(true);
    expect(() => ajv.compile({ ...spec.options, additionalProperties: false }), kind).not.toThrow();
  }
});

it('every entity schema is a valid JSON Schema (the payload validator compiles them without this check, for start-up time)', () => {
  const files = ['poweroffice-go', 'woocommerce'].flatMap((kind) =>
    readdirSync(join(SCHEMAS, kind))
      .filter((f) => f.endsWith('.schema.json'))
      .map((f) => `${kind}/${f}`),
  );
  expect(files).toContain('poweroffice-go/product.schema.json');
  for (const file of files) {
    const ajv = new Ajv({ strict: false });
    ajv.addKeyword({ keyword: 'x-decimals', type: 'number', schemaType: 'number' });
    const schema = JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')) as Node;
    expect(ajv.validateSchema(schema), `${file}: ${ajv.errorsText()}`).toBe(true);
  }
});
