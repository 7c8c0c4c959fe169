/**
 * The record-level rules of a mapping: how partners are matched the first time, the
 * identity guard that makes creates crash-safe, and what deletes do.
 */
import { arr, type MappingDocument, obj, oneOf, str } from './document.ts';
import type { FileScope } from './file-scope.ts';
import type { CompiledMapping, DeletePolicy, MatchNormalization, MatchRule } from './model.ts';
import type { ResolvedSide } from './resolve-side.ts';
import { checkPath } from './schema-paths.ts';

const DELETES: readonly DeletePolicy[] = ['ignore', 'archive', 'delete'];

export function compileMatch(
  scope: FileScope,
  doc: MappingDocument,
  sourceSide: ResolvedSide | undefined,
  targetSide: ResolvedSide | undefined,
  properties: CompiledMapping['properties'],
): MatchRule[] {
  const rules: MatchRule[] = [];
  for (const [i, raw] of arr(doc.match).entries()) {
    const rule = obj(raw);
    const source = str(rule?.source);
    const target = str(rule?.target);
    if (!target) continue;
    if (source) checkPath(scope, sourceSide, source, ['match', i, 'source']);
    checkPath(scope, targetSide, target, ['match', i, 'target']);
    // Without a source path the key is what the property for `target` yields.
    if (!source && !properties.some((p) => p.target === target && p.direction !== 'to-source')) {
      scope.report(
        ['match', i, 'target'],
        'MAP_MATCH_NOT_MAPPED',
        `match rule ${i + 1} has no source path, so its key is what the property for "${target}" yields, but no property flows to "${target}"`,
      );
    }
    const normalize = oneOf(rule?.normalize, ['email', 'trim', 'exact'] as MatchNormalization[], 'exact');
    rules.push({ ...(source ? { source } : {}), target, normalize });
  }
  return rules;
}

export function checkIdentity(
  scope: FileScope,
  doc: MappingDocument,
  properties: CompiledMapping['properties'],
  create: CompiledMapping['create'],
  sides: { source?: ResolvedSide; target?: ResolvedSide },
): CompiledMapping['identity'] | undefined {
  const targetSide = sides.target;
  const target = str(doc.identity?.target);
  const source = str(doc.identity?.source);
  if (target !== undefined && !properties.some((p) => p.target === target && p.direction !== 'to-source')) {
    scope.report(
      ['identity', 'target'],
      'MAP_IDENTITY_NOT_MAPPED',
      `identity guard "${target}" must be the target of a property that flows to the target`,
    );
  }
  if (source !== undefined && !properties.some((p) => p.source === source && p.direction !== 'to-target')) {
    scope.report(
      ['identity', 'source'],
      'MAP_IDENTITY_NOT_MAPPED',
      `identity guard "${source}" must be the source of a property that flows to the source`,
    );
  }
  for (const [key, path, side] of [
    ['target', target, sides.target],
    ['source', source, sides.source],
  ] as const) {
    const guards = side?.descriptor.guardFields ?? [];
    if (path !== undefined && guards.length > 0 && !guards.includes(path)) {
      scope.report(
        ['identity', key],
        'MAP_GUARD_NOT_SEARCHABLE',
        `${side?.kind} cannot look ${side?.entity} records up by "${path}" after a crash (it can by: ${guards.join(', ')})`,
        { severity: 'warning' },
      );
    }
  }
  if (create.inTarget && target === undefined && targetSide) {
    scope.report(
      doc.create ? ['create'] : ['target'],
      'MAP_NO_IDENTITY_GUARD',
      'records are created in the target without identity.target, so a create retried after a crash may duplicate them',
      { at: 'key', severity: 'warning' },
    );
  }
  if (target === undefined && source === undefined) return undefined;
  return { ...(target !== undefined ? { target } : {}), ...(source !== undefined ? { source } : {}) };
}

export function compileDelete(
  scope: FileScope,
  raw: unknown,
  direction: CompiledMapping['direction'],
  sourceSide: ResolvedSide | undefined,
  targetSide: ResolvedSide | undefined,
): CompiledMapping['delete'] {
  const policy = (value: unknown): DeletePolicy => oneOf(value, DELETES, 'ignore');
  const asObject = obj(raw);
  const result = asObject
    ? { toTarget: policy(asObject.to_target), toSource: policy(asObject.to_source) }
    : { toTarget: policy(raw), toSource: 'ignore' as DeletePolicy };
  const at = (key: string): string[] => (asObject ? ['delete', key] : ['delete']);
  if (direction === 'one-way' && result.toSource !== 'ignore') {
    scope.report(at('to_source'), 'MAP_DIRECTION_CONFLICT', 'a one-way mapping never deletes in the source');
  }
  for (const [policyValue, side, key] of [
    [result.toTarget, targetSide, 'to_target'],
    [result.toSource, sourceSide, 'to_source'],
  ] as const) {
    if (policyValue === 'ignore' || !side) continue;
    if (!side.descriptor.removeModes.includes(policyValue)) {
      scope.report(
        at(key),
        'MAP_DELETE_UNSUPPORTED',
        `${side.kind} ${side.entity} records cannot be removed by "${policyValue}" (supported: ${side.descriptor.removeModes.join(', ') || 'none'})`,
      );
    }
  }
  return result;
}
