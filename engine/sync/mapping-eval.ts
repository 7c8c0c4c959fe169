/**
 * The mapping operations the engine uses, behind one small interface so the engine does
 * not care how a mapping is evaluated. The default implementation delegates to
 * `engine/mapping/evaluate.ts`; unit tests may pass their own.
 */
import * as evaluate from '../mapping/evaluate.ts';
import type { CompiledMapping, EvaluationContext, MatchNormalization } from '../mapping/model.ts';

export interface ExpandedChild {
  key: string;
  child: unknown;
  position: number;
}

export interface MappingEval {
  /** Target path → value the input yields, for to-target/both properties. */
  valuesForTarget(
    mapping: CompiledMapping,
    input: unknown,
    ctx: EvaluationContext,
  ): Promise<Map<string, unknown>>;
  /** Source path → value the target record yields, for to-source/both properties. */
  valuesForSource(
    mapping: CompiledMapping,
    target: unknown,
    ctx: EvaluationContext,
  ): Promise<Map<string, unknown>>;
  /** Target path → value in the target record (comparison form), for to-target/both properties. */
  readTargetValues(mapping: CompiledMapping, target: unknown): Map<string, unknown>;
  /** Source path → value in the source record (or child), for to-source/both properties. */
  readSourceValues(mapping: CompiledMapping, source: unknown): Map<string, unknown>;
  passesWhen(mapping: CompiledMapping, source: unknown, ctx: EvaluationContext): Promise<boolean>;
  isLocked(mapping: CompiledMapping, target: unknown, ctx: EvaluationContext): Promise<boolean>;
  expandChildren(mapping: CompiledMapping, source: unknown, ctx: EvaluationContext): Promise<ExpandedChild[]>;
  /** Nest dotted paths into a record. */
  buildRecord(values: ReadonlyMap<string, unknown>): Record<string, unknown>;
  /** Canonical equality (null = missing = ""; decimals by value). The only equality the engine uses. */
  sameValue(a: unknown, b: unknown, type: string): boolean;
  /** Normalised match key, or undefined when the value cannot match anything (empty). */
  matchKey(value: unknown, normalize: MatchNormalization): string | undefined;
}

/** The real thing: `engine/mapping/evaluate.ts`. */
export const mappingEval: MappingEval = {
  valuesForTarget: evaluate.valuesForTarget,
  valuesForSource: evaluate.valuesForSource,
  readTargetValues: evaluate.readTargetValues,
  readSourceValues: evaluate.readSourceValues,
  passesWhen: evaluate.passesWhen,
  isLocked: evaluate.isLocked,
  expandChildren: evaluate.expandChildren,
  buildRecord: (values) => evaluate.buildRecord(values),
  sameValue: (a, b, type) => evaluate.sameValue(a, b, type),
  matchKey: evaluate.matchKey,
};
