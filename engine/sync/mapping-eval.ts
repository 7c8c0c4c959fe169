/**
 * The mapping operations the engine uses: `engine/mapping/evaluate.ts`'s MappingEvaluator,
 * so the engine does not care how or where a mapping is evaluated. Composition roots pass
 * one over the evaluator pool (`mappingEvaluator(pool)`); unit tests may pass the
 * in-process one or their own.
 */
export type {
  ChildRecord as ExpandedChild,
  MappingEvaluator as MappingEval,
} from '../mapping/evaluate.ts';
