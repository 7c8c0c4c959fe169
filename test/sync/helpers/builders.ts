/**
 * Builders of compiled mappings for the engine's unit tests: expressions are plain
 * functions, so the tests exercise the engine (with the real evaluate.ts), not JSONata.
 */
import type {
  CompiledExpression,
  CompiledMapping,
  CompiledProperty,
  EvaluationContext,
  PropertyDirection,
} from '../../../engine/mapping/model.ts';

type Fn = (input: unknown, ctx: EvaluationContext) => unknown;

export function expr(fn: Fn, text = 'fn'): CompiledExpression {
  return {
    text,
    position: { file: 'test', line: 1, col: 1 },
    mapping: 'test',
    label: text,
    // A plain function cannot be sent to an evaluation worker: these run in-process only.
    spec: { text, limits: { timeoutMs: 1000, maxDepth: 500 }, variables: {} },
    reads: [],
    links: [],
    evaluate: async (input, ctx) => fn(input, ctx),
    failure: (error) => (error instanceof Error ? error : new Error(String(error))),
  };
}

export interface PropSpec {
  source?: string;
  target: string;
  type?: string;
  direction?: PropertyDirection;
  toTarget?: Fn;
  toSource?: Fn;
  conflict?: CompiledProperty['conflict'];
}

export function prop(spec: PropSpec): CompiledProperty {
  const direction =
    spec.direction ?? (spec.toTarget && !spec.toSource && !spec.source ? 'to-target' : 'both');
  return {
    ...(spec.source ? { source: spec.source } : {}),
    target: spec.target,
    type: spec.type ?? 'string',
    sourceType: spec.type ?? 'string',
    direction,
    ...(spec.toTarget ? { toTarget: expr(spec.toTarget) } : {}),
    ...(spec.toSource ? { toSource: expr(spec.toSource) } : {}),
    ...(spec.conflict ? { conflict: spec.conflict } : {}),
    position: { file: 'test', line: 1, col: 1 },
  };
}

export function mapping(
  spec: Partial<Omit<CompiledMapping, 'properties' | 'when'>> & {
    name: string;
    properties: readonly CompiledProperty[];
    when?: Fn;
    lockedWhen?: Fn;
    each?: Fn;
    key?: Fn;
    parent?: string;
  },
): CompiledMapping {
  const { when, lockedWhen, each, key, parent, ...rest } = spec;
  return {
    file: `${spec.name}.yaml`,
    source: { system: 'shop', entity: 'customer' },
    direction: 'two-way',
    create: { inTarget: true, inSource: false },
    match: [],
    conflict: 'newest-wins',
    firstSync: 'source-wins',
    delete: { toTarget: 'ignore', toSource: 'ignore' },
    deleteLimit: 0.1,
    dependencies: [],
    variables: {},
    ...rest,
    target: {
      system: 'erp',
      entity: 'customer',
      where: {},
      ...rest.target,
      ...(lockedWhen ? { lockedWhen: expr(lockedWhen) } : {}),
    },
    ...(when ? { when: expr(when) } : {}),
    ...(each && key && parent ? { fanOut: { parent, each: expr(each), key: expr(key) } } : {}),
  };
}
