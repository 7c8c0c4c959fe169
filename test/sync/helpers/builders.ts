/**
 * Builders of compiled mappings made of plain paths, for the tests of the pure planning
 * function (pair-plan.test.ts), which needs no connector, schema or evaluator. There are no
 * expression builders here on purpose: a test that needs an expression writes the mapping as
 * YAML and compiles it with the real loader (helpers/yaml.ts), so JSONata and the engine
 * meet in the unit tests.
 */
import type { CompiledMapping, CompiledProperty, PropertyDirection } from '../../../engine/mapping/model.ts';

export interface PropSpec {
  source?: string;
  target: string;
  type?: string;
  direction?: PropertyDirection;
  conflict?: CompiledProperty['conflict'];
}

export function prop(spec: PropSpec): CompiledProperty {
  return {
    ...(spec.source ? { source: spec.source } : {}),
    target: spec.target,
    type: spec.type ?? 'string',
    sourceType: spec.type ?? 'string',
    direction: spec.direction ?? 'both',
    ...(spec.conflict ? { conflict: spec.conflict } : {}),
    position: { file: 'test', line: 1, col: 1 },
  };
}

export function mapping(
  spec: Partial<Omit<CompiledMapping, 'properties' | 'when' | 'fanOut'>> & {
    name: string;
    properties: readonly CompiledProperty[];
  },
): CompiledMapping {
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
    ...spec,
    target: { system: 'erp', entity: 'customer', where: {}, ...spec.target },
  };
}
