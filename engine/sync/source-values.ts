/**
 * A source record's mapped values must fit the source schema before they are copied to the
 * target (a value the source itself should never hold is a failed record, not a write).
 */
import type { EntityRecord } from '../connectors/types.ts';
import type { CompiledMapping } from '../mapping/model.ts';
import type { MappingRun } from './mapping-run.ts';

/** The source paths whose values flow to the target (checked before a write). */
export function copiedSourcePaths(mapping: CompiledMapping): string[] {
  return [
    ...new Set(
      mapping.properties
        .filter((p) => p.source !== undefined && p.direction !== 'to-source')
        .map((p) => p.source!),
    ),
  ];
}

/** Throws (a validation failure) when the record's copied values do not fit the source schema. */
export function checkSourceValues(mr: MappingRun, record: unknown): void {
  const validator = mr.run.deps.validator;
  if (!validator.checkValues || mr.mapping.fanOut) return;
  validator.checkValues(
    mr.source.descriptor.schema,
    record,
    mr.copiedSourcePaths,
    `${mr.mapping.name} ${mr.mapping.source.entity} ${mr.source.descriptor.idOf(record as EntityRecord)}`,
  );
}
