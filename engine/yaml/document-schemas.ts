/**
 * The JSON Schemas of mapsync's own documents (mapping files, mapping tests, mapsync.yaml),
 * compiled once per validation run with AJV (allErrors, so every problem is reported).
 * `x-jsonata` marks expression fields in the schemas; it is an annotation, registered so
 * AJV's strict mode accepts it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

/** The `schemas/` folder shipped with mapsync (document schemas and entity schemas). */
export const DEFAULT_SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));

export type DocumentKind = 'mapping' | 'mapping-test' | 'mapsync' | 'tenant';

export class DocumentSchemas {
  // validateSchema off: checking a schema against the JSON Schema meta-schema compiles the
  // meta-schema first, the largest cost of `mapsync validate`'s start-up; the shipped schemas
  // are checked against it by test/mapping/schemas.test.ts instead.
  private readonly ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: true,
    allowUnionTypes: true,
    validateSchema: false,
    // Documents are small and validated once: cheaper code generation beats faster code.
    code: { optimize: false },
  });
  private readonly compiled = new Map<DocumentKind, Promise<ValidateFunction>>();

  constructor(private readonly schemasDir: string) {
    this.ajv.addKeyword({ keyword: 'x-jsonata', schemaType: 'boolean' });
  }

  validator(kind: DocumentKind): Promise<ValidateFunction> {
    let pending = this.compiled.get(kind);
    if (!pending) {
      pending = readFile(join(this.schemasDir, `${kind}.schema.json`), 'utf8').then((text) =>
        this.ajv.compile(JSON.parse(text) as object),
      );
      this.compiled.set(kind, pending);
    }
    return pending;
  }
}
