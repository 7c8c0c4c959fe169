/**
 * Resolves the `source` / `target` side of a mapping: system name → connector kind (through
 * mapsync.yaml's `systems`) → entity descriptor (the connector's static `entities`) → entity
 * schema file. Every failed step is a diagnostic at the line that names the thing.
 */
import type { ConnectorRegistry } from '../connectors/registry.ts';
import type { OperationDeclaration } from '../connectors/spec.ts';
import type { EntityDescriptor } from '../connectors/types.ts';
import { didYouMean } from '../diagnostics/did-you-mean.ts';
import { type MappingSideDocument, obj, str } from './document.ts';
import type { EntitySchemas, JsonSchema } from './entity-schema.ts';
import type { FileScope } from './file-scope.ts';

/** System name → connector kind. */
export type SystemKinds = ReadonlyMap<string, string>;

export interface ResolveEnvironment {
  registry: ConnectorRegistry;
  systems: SystemKinds;
  schemas: EntitySchemas;
}

export interface ResolvedSide {
  system: string;
  kind: string;
  entity: string;
  label?: string;
  descriptor: EntityDescriptor;
  /** Names of the run settings the kind offers (`$source_settings.<name>`); absent: none. */
  runSettings?: readonly string[];
  /** Names of the lookups the kind answers (`$fetch`); absent: none. */
  lookups?: readonly string[];
  /** The record operations the kind declares (for `actions:`). */
  operations?: Readonly<Record<string, OperationDeclaration>>;
  /** Undefined when the schema file could not be read (reported). */
  schema?: JsonSchema;
}

export async function resolveSide(
  scope: FileScope,
  side: 'source' | 'target',
  document: MappingSideDocument | undefined,
  env: ResolveEnvironment,
): Promise<ResolvedSide | undefined> {
  const doc = obj(document);
  const system = str(doc?.system);
  const entity = str(doc?.entity);
  if (!system || !entity) return undefined; // reported by the schema check
  const kind = env.systems.get(system);
  if (kind === undefined) {
    const known = [...env.systems.keys()];
    scope.report(
      [side, 'system'],
      'MAP_UNKNOWN_SYSTEM',
      `unknown system "${system}"${didYouMean(system, known)}; systems: ${known.join(', ') || '(none)'}`,
    );
    return undefined;
  }
  const factory = env.registry.get(kind);
  if (!factory) {
    scope.report(
      [side, 'system'],
      'MAP_UNKNOWN_SYSTEM',
      `system "${system}" uses connector kind "${kind}", which is not registered${didYouMean(kind, env.registry.kinds())}`,
    );
    return undefined;
  }
  const descriptor = factory.entities[entity];
  if (!descriptor) {
    const known = Object.keys(factory.entities);
    scope.report(
      [side, 'entity'],
      'MAP_UNKNOWN_ENTITY',
      `system "${system}" has no entity "${entity}"${didYouMean(entity, known)}; entities: ${known.join(', ')}`,
    );
    return undefined;
  }
  const loaded = await env.schemas.load(descriptor.schema);
  const label = str(doc?.label);
  const resolved: ResolvedSide = {
    system,
    kind,
    entity,
    descriptor,
    ...(factory.spec.operations ? { operations: factory.spec.operations } : {}),
    ...(label ? { label } : {}),
    ...(factory.spec.runSettings ? { runSettings: Object.keys(factory.spec.runSettings) } : {}),
    ...(factory.spec.lookups ? { lookups: Object.keys(factory.spec.lookups) } : {}),
  };
  if (loaded instanceof Error) {
    scope.report(
      [side, 'entity'],
      'MAP_ENTITY_SCHEMA_MISSING',
      `the schema of ${kind} ${entity} (${descriptor.schema.startsWith('file:') ? descriptor.schema : `schemas/${descriptor.schema}`}) cannot be read: ${loaded.message}`,
    );
    return resolved;
  }
  return { ...resolved, schema: loaded };
}
