/**
 * Compile engine-test mappings from YAML text, through the loader `mapsync validate` and
 * the service use (schema check, JSONata, cross-file checks, dependency order), against the
 * test systems of setup.ts: `shop` and `erp` are memory connectors, registered here as kinds
 * of the same names with the entity schemas below. A mapping that does not compile fails
 * the test with its diagnostics, so the tests run what a user would write.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConnectorRegistry } from '../../../engine/connectors/registry.ts';
import type { OperationDeclaration } from '../../../engine/connectors/spec.ts';
import type { Connector } from '../../../engine/connectors/types.ts';
import { loadMappings } from '../../../engine/mapping/load.ts';
import type { CompiledMapping } from '../../../engine/mapping/model.ts';

/** A field's JSON Schema type, a nested object's fields, or (`{ type, … }`) a schema as is. */
type PropertyTypes = { [field: string]: string | PropertyTypes };

/** The fields the test mappings use, per kind and entity (JSON Schema types, nullable). */
const ENTITY_FIELDS: Record<string, Record<string, PropertyTypes>> = {
  shop: {
    customer: {
      id: 'string',
      email: 'string',
      first_name: 'string',
      last_name: 'string',
      billing: { city: 'string' },
    },
    product: { id: 'string', sku: 'string', name: 'string', price: 'string' },
    order: {
      id: 'integer',
      status: 'string',
      customer_id: 'integer',
      note: 'string',
      line_items: 'array',
      billing: 'object',
    },
  },
  erp: {
    customer: {
      Id: 'integer',
      EmailAddress: 'string',
      FirstName: 'string',
      LastName: 'string',
      Name: 'string',
      IsPerson: 'boolean',
      ExternalImportReference: 'string',
      MailAddress: { City: 'string' },
    },
    product: { Id: 'integer', Code: 'string', Name: 'string', SalesPrice: 'number' },
    salesorder: {
      Id: 'integer',
      CustomerId: 'integer',
      CustomerReference: 'string',
      ExternalImportReference: 'string',
      SalesOrderStatus: 'string',
    },
    salesorderline: {
      Id: 'integer',
      ProductId: 'integer',
      Quantity: 'number',
      ProductUnitPrice: 'number',
      ExternalImportReference: 'string',
    },
  },
};

function schemaOf(fields: PropertyTypes): Record<string, unknown> {
  return {
    type: 'object',
    properties: Object.fromEntries(
      Object.entries(fields).map(([name, type]) => [
        name,
        typeof type === 'string'
          ? name === 'Id'
            ? { type: 'integer', readOnly: true }
            : { type: [type, 'null'] }
          : 'type' in type
            ? type
            : { ...schemaOf(type), type: ['object', 'null'] },
      ]),
    ),
  };
}

const REPO_SCHEMAS = fileURLToPath(new URL('../../../schemas/', import.meta.url));

/** Record operations a test kind declares (mapping `actions:` name them), by kind. */
export type TestOperations = Partial<Record<'shop' | 'erp', Record<string, OperationDeclaration>>>;

/** The kinds `shop` and `erp`, with the entities the test systems declare. */
function registryOf(
  systems: Record<'shop' | 'erp', Connector>,
  operations: TestOperations = {},
): ConnectorRegistry {
  const registry = new ConnectorRegistry();
  for (const [kind, connector] of Object.entries(systems)) {
    const declared = operations[kind as 'shop' | 'erp'];
    registry.add({
      kind,
      title: `test ${kind}`,
      description: `the engine tests' ${kind} (a memory system)`,
      options: { type: 'object', properties: {} },
      entities: connector.entities,
      ...(declared ? { operations: declared } : {}),
      create: async () => connector,
      conformance: () => Promise.reject(new Error('the test kinds have no conformance harness')),
    });
  }
  return registry;
}

/**
 * Compile mapping files given as `{ name: yamlText }` (each `<name>.yaml`), in dependency
 * order. Throws with every diagnostic when one is an error.
 */
export async function compileYaml(
  files: Record<string, string>,
  systems: Record<'shop' | 'erp', Connector>,
  operations?: TestOperations,
): Promise<CompiledMapping[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-engine-test-'));
  const schemasDir = join(dir, 'schemas');
  mkdirSync(schemasDir);
  cpSync(join(REPO_SCHEMAS, 'mapping.schema.json'), join(schemasDir, 'mapping.schema.json'));
  for (const [kind, entities] of Object.entries(ENTITY_FIELDS)) {
    mkdirSync(join(schemasDir, kind));
    for (const [entity, fields] of Object.entries(entities)) {
      writeFileSync(join(schemasDir, kind, `${entity}.schema.json`), JSON.stringify(schemaOf(fields)));
    }
  }
  const mappingsDir = join(dir, 'mappings');
  mkdirSync(mappingsDir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(mappingsDir, `${name}.yaml`), text);
  const result = await loadMappings([mappingsDir], {
    registry: registryOf(systems, operations),
    schemasDir,
    cwd: dir,
  });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    throw new Error(
      `test mappings do not compile:\n${errors.map((d) => `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`).join('\n')}`,
    );
  }
  return result.mappings;
}
