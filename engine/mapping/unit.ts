/**
 * What the mapping loader keeps about one mapping file (compile.ts fills it in; the
 * reference and cross-file checks read it). Types only.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { Position, YamlSource } from '../yaml/parse-source.ts';
import type { CompiledMapping } from './model.ts';

/** A place in a mapping file that names another mapping. */
export interface MappingReference {
  mapping: string;
  kind: 'link' | 'parent' | 'dependency';
  position: Position;
}

/** Everything the loader keeps about one mapping file. */
export interface MappingUnit {
  file: string;
  source: YamlSource;
  name: string;
  compiled?: CompiledMapping;
  references: MappingReference[];
  targetWrites: { path: string; position: Position }[];
  /** The entity the target entity lives under, per its connector (`salesorder` for lines). */
  targetParentEntity?: string;
  diagnostics: Diagnostic[];
}
