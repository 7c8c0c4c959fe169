/**
 * The source paths a mapping copies to the target: the values the engine checks against the
 * source entity's schema before a write (engine/sync/source-values.ts), and `mapsync test`
 * before it maps a case's input (testing/run-tests.ts), so both refuse the same records.
 */
import type { CompiledMapping } from './model.ts';

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
