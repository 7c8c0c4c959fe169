/**
 * Compiles the `properties` list of a mapping: default directions, types from the entity
 * schemas, JSONata for computed values, and the per-property rules: paths exist, nothing
 * read-only is written, a value flowing both ways can be inverted, types fit.
 */
import type { Position } from '../yaml/parse-source.ts';
import { arr, obj, oneOf, type PropertyDocument, str } from './document.ts';
import { type FieldInfo, type JsonSchema, valueTypeOf } from './entity-schema.ts';
import type { CompileResult } from './expression.ts';
import type { FileScope } from './file-scope.ts';
import type { CompiledProperty, ConflictPolicy, PairDirection, PropertyDirection } from './model.ts';
import type { ResolvedSide } from './resolve-side.ts';
import { checkPath, declaredTypeFits, schemaTypesFit } from './schema-paths.ts';
import { VALUE_TYPES } from './values.ts';

const DIRECTIONS: readonly PropertyDirection[] = ['both', 'to-target', 'to-source'];
const CONFLICTS: readonly ConflictPolicy[] = ['newest-wins', 'source-wins', 'target-wins', 'manual'];

export interface PropertyContext {
  direction: PairDirection;
  source?: ResolvedSide;
  target?: ResolvedSide;
  /** Schema of one fan-out child (source paths are checked against it), when known. */
  childSchema?: JsonSchema;
  fanOut: boolean;
  /** Called with every compiled expression that may contain `$link`, and where it is. */
  onExpression(result: CompileResult, where: 'to_target' | 'to_source'): void;
}

export interface CompiledProperties {
  properties: CompiledProperty[];
  /** Target paths written by this mapping (to-target/both), with where each is written. */
  targetWrites: { path: string; position: Position }[];
}

const writesTarget = (d: PropertyDirection): boolean => d !== 'to-source';
const writesSource = (d: PropertyDirection): boolean => d !== 'to-target';

export function defaultDirection(
  pair: PairDirection,
  hasToTarget: boolean,
  hasToSource: boolean,
): PropertyDirection {
  if (pair === 'one-way') return 'to-target';
  if (hasToTarget && !hasToSource) return 'to-target';
  if (hasToSource && !hasToTarget) return 'to-source';
  return 'both';
}

export function compileProperties(scope: FileScope, list: unknown, ctx: PropertyContext): CompiledProperties {
  const properties: CompiledProperty[] = [];
  const targetWrites: CompiledProperties['targetWrites'] = [];
  const seen = new Map<string, number>();
  for (const [i, raw] of arr(list).entries()) {
    const doc = obj(raw) as PropertyDocument | undefined;
    const target = str(doc?.target);
    if (!doc || !target) continue; // reported by the schema check
    const at = (key: string): (string | number)[] => ['properties', i, key];
    const previous = seen.get(target);
    if (previous !== undefined) {
      const line = scope.position(['properties', previous, 'target']).line;
      scope.report(
        at('target'),
        'MAP_DUPLICATE_PROPERTY',
        `target "${target}" is already mapped on line ${line}`,
      );
    }
    seen.set(target, i);
    const source = str(doc.source);
    const explicitDirection = str(doc.direction);
    const direction = DIRECTIONS.includes(explicitDirection as PropertyDirection)
      ? (explicitDirection as PropertyDirection)
      : defaultDirection(ctx.direction, doc.to_target !== undefined, doc.to_source !== undefined);
    const label = `property "${target}"`;

    if (ctx.direction === 'one-way' && direction !== 'to-target') {
      scope.report(
        at('direction'),
        'MAP_DIRECTION_CONFLICT',
        `${label} flows "${direction}" but the mapping is one-way (source → target only)`,
      );
    }
    const targetField = checkPath(scope, ctx.target, target, at('target'));
    const sourceField =
      source === undefined
        ? undefined
        : ctx.fanOut && !ctx.childSchema
          ? undefined // children built by an expression have no schema to check against
          : checkPath(
              scope,
              ctx.source,
              source,
              at('source'),
              ctx.childSchema ? { schema: ctx.childSchema } : {},
            );

    const toTarget = scope.expression(
      at('to_target'),
      `${label} to_target`,
      ctx.fanOut ? ['parent', 'position'] : [],
    );
    const toSource = scope.expression(at('to_source'), `${label} to_source`, []);
    if (toTarget) ctx.onExpression(toTarget, 'to_target');
    if (toSource) ctx.onExpression(toSource, 'to_source');

    checkFlow(scope, i, label, direction, { source, explicitDirection, doc });
    if (writesTarget(direction) && targetField?.readOnly) {
      scope.report(
        at('target'),
        'MAP_READ_ONLY_TARGET',
        `${label}: "${target}" is read-only in ${ctx.target?.kind} ${ctx.target?.entity} and cannot be written`,
      );
    }
    if (source !== undefined && writesSource(direction) && sourceField?.readOnly) {
      scope.report(
        at('source'),
        'MAP_READ_ONLY_SOURCE',
        `${label} flows back to "${source}", which is read-only in ${ctx.source?.kind} ${ctx.source?.entity}; use direction: to-target`,
      );
    }

    const declared = oneOf(doc.type, VALUE_TYPES, 'string');
    const type = typeof doc.type === 'string' ? declared : targetField ? valueTypeOf(targetField) : 'string';
    const sourceType = sourceField ? valueTypeOf(sourceField) : type;
    checkTypes(
      scope,
      i,
      label,
      { declared: typeof doc.type === 'string' ? declared : undefined, doc, direction },
      sourceField,
      targetField,
    );

    const conflict = str(doc.conflict);
    const normalize = str(doc.normalize);
    const description = str(doc.description);
    properties.push({
      ...(source !== undefined ? { source } : {}),
      target,
      type,
      sourceType,
      direction,
      ...(toTarget?.expression ? { toTarget: toTarget.expression } : {}),
      ...(toSource?.expression ? { toSource: toSource.expression } : {}),
      ...(CONFLICTS.includes(conflict as ConflictPolicy) ? { conflict: conflict as ConflictPolicy } : {}),
      ...(normalize === 'email' || normalize === 'trim' ? { normalize } : {}),
      ...(description ? { description } : {}),
      position: { file: scope.file, ...scope.position(['properties', i]) },
    });
    if (writesTarget(direction)) targetWrites.push({ path: target, position: scope.position(at('target')) });
  }
  return { properties, targetWrites };
}

/** Every direction a property flows in needs a way to produce its value. */
function checkFlow(
  scope: FileScope,
  i: number,
  label: string,
  direction: PropertyDirection,
  p: { source?: string; explicitDirection?: string; doc: PropertyDocument },
): void {
  const at = (key: string): (string | number)[] => ['properties', i, key];
  const hasToTarget = p.doc.to_target !== undefined;
  const hasToSource = p.doc.to_source !== undefined;
  if (writesTarget(direction) && p.source === undefined && !hasToTarget) {
    scope.report(
      at('target'),
      'MAP_PROPERTY_WITHOUT_SOURCE',
      `${label} has neither a source path nor to_target`,
    );
  }
  if (writesSource(direction) && p.source === undefined) {
    scope.report(
      p.explicitDirection ? at('direction') : at('target'),
      'MAP_SOURCE_REQUIRED',
      `${label} flows to the source (${direction}) but has no source path to write to`,
    );
  }
  if (direction === 'both' && hasToTarget && !hasToSource) {
    scope.report(
      p.explicitDirection ? at('direction') : at('to_target'),
      'MAP_TO_SOURCE_MISSING',
      `${label} is two-way and computed by to_target, so the way back cannot be derived: add to_source or use direction: to-target`,
    );
  }
  if (direction === 'both' && hasToSource && !hasToTarget) {
    scope.report(
      p.explicitDirection ? at('direction') : at('to_source'),
      'MAP_TO_TARGET_MISSING',
      `${label} is two-way and computed by to_source, so the way to the target cannot be derived: add to_target or use direction: to-source`,
    );
  }
}

/** Warn when a plain copy would put a value of one type into a field of another. */
function checkTypes(
  scope: FileScope,
  i: number,
  label: string,
  p: { declared?: string; doc: PropertyDocument; direction: PropertyDirection },
  sourceField: FieldInfo | undefined,
  targetField: FieldInfo | undefined,
): void {
  const at = (key: string): (string | number)[] => ['properties', i, key];
  if (p.declared && targetField && !declaredTypeFits(p.declared, targetField)) {
    scope.report(
      at('type'),
      'MAP_TYPE_MISMATCH',
      `${label} is declared ${p.declared} but the target schema says ${targetField.types.join(' or ')}`,
      { severity: 'warning' },
    );
  }
  if (p.declared || !sourceField || !targetField) return;
  const forward =
    writesTarget(p.direction) && p.doc.to_target === undefined && !schemaTypesFit(sourceField, targetField);
  const backward =
    writesSource(p.direction) && p.doc.to_source === undefined && !schemaTypesFit(targetField, sourceField);
  if (forward || backward) {
    const [from, to] = forward ? [sourceField, targetField] : [targetField, sourceField];
    scope.report(
      at(forward ? 'source' : 'target'),
      'MAP_TYPE_MISMATCH',
      `${label} copies ${from.types.join(' or ')} values into a field of type ${to.types.join(' or ')} without conversion: set type (e.g. decimal) or write ${forward ? 'to_target' : 'to_source'}`,
      { severity: 'warning' },
    );
  }
}
