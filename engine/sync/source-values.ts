/**
 * A source record's mapped values must fit the source schema before they are copied to the
 * target (a value the source itself should never hold is a failed record, not a write).
 */
import type { EntityDescriptor, EntityRecord } from '../connectors/types.ts';
import type { CompiledMapping } from '../mapping/model.ts';
import type { PayloadCheck } from './payload-validator.ts';

/** What the check needs of a mapping's run (a MappingRun is one). */
export interface SourceCheckScope {
  readonly mapping: CompiledMapping;
  readonly copiedSourcePaths: readonly string[];
  readonly run: { readonly deps: { readonly validator: PayloadCheck } };
  readonly source: { readonly descriptor: EntityDescriptor };
}

/** Throws (a validation failure) when the record's copied values do not fit the source schema. */
export function checkSourceValues(mappingRun: SourceCheckScope, record: unknown): void {
  const validator = mappingRun.run.deps.validator;
  if (!validator.checkValues || mappingRun.mapping.fanOut) return;
  validator.checkValues(
    mappingRun.source.descriptor.schema,
    record,
    mappingRun.copiedSourcePaths,
    `${mappingRun.mapping.name} ${mappingRun.mapping.source.entity} ${mappingRun.source.descriptor.idOf(record as EntityRecord)}`,
  );
}
