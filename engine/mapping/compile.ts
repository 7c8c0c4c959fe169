/**
 * Compiles one parsed mapping file into a CompiledMapping, reporting every problem it can
 * see from this file alone (sides, properties, subset, match, identity guard, fan-out,
 * expressions). What needs all files (unknown mappings, cycles, two mappings writing one
 * property) is checked by cross-checks.ts from the `references` and `targetWrites` kept here.
 */
import { basename } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { Position, YamlSource } from '../yaml/parse-source.ts';
import { stringStart } from './ast-walk.ts';
import { compileProperties } from './compile-properties.ts';
import { arr, type MappingDocument, obj, oneOf, str } from './document.ts';
import { itemSchema, type JsonSchema } from './entity-schema.ts';
import type { CompileResult, ExpressionLimits } from './expression.ts';
import { FileScope } from './file-scope.ts';
import type {
  CompiledMapping,
  ConflictPolicy,
  DeletePolicy,
  DependencyPolicy,
  FanOut,
  MatchNormalization,
  MatchRule,
} from './model.ts';
import { type ResolvedSide, type ResolveEnvironment, resolveSide } from './resolve-side.ts';
import { checkPath } from './schema-paths.ts';
import { checkTargetSubset } from './target-subset.ts';

export interface CompileEnvironment extends ResolveEnvironment {
  limits: ExpressionLimits;
}

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

const PATH = /^[A-Za-z_$][A-Za-z0-9_$-]*(\.[A-Za-z_$][A-Za-z0-9_$-]*)*$/;
const DELETES: readonly DeletePolicy[] = ['ignore', 'archive', 'delete'];

export function mappingNameOf(file: string): string {
  return basename(file).replace(/\.ya?ml$/i, '');
}

export async function compileMapping(
  source: YamlSource,
  value: unknown,
  env: CompileEnvironment,
): Promise<MappingUnit> {
  const doc = (obj(value) ?? {}) as MappingDocument;
  const fileName = mappingNameOf(source.file);
  const name = str(doc.name) ?? fileName;
  const variables = obj(doc.variables) ?? {};
  const scope = new FileScope(source, name, env.limits, variables);
  const unit: MappingUnit = {
    file: source.file,
    source,
    name,
    references: [],
    targetWrites: [],
    diagnostics: [],
  };
  if (!obj(value)) return unit; // not a mapping at all: the schema check says so
  if (str(doc.name) !== undefined && name !== fileName) {
    scope.report(
      ['name'],
      'MAP_NAME_MISMATCH',
      `name "${name}" must equal the file's base name "${fileName}"`,
    );
  }

  const [sourceSide, targetSide] = [
    await resolveSide(scope, 'source', doc.source, env),
    await resolveSide(scope, 'target', doc.target, env),
  ];
  if (targetSide?.descriptor.parent) {
    unit.targetParentEntity = targetSide.descriptor.parent;
    if (doc.parent === undefined) {
      scope.report(
        ['target', 'entity'],
        'MAP_FANOUT_WITHOUT_PARENT',
        `${targetSide.kind} ${targetSide.entity} records live under a ${targetSide.descriptor.parent}: declare parent, each and key`,
      );
    }
  }
  const direction = oneOf(doc.direction, ['two-way', 'one-way'] as const, 'one-way');
  const links = (result: CompileResult | undefined, allowed: boolean) =>
    collectLinks(scope, unit, result, allowed);

  const fanOut = compileFanOut(scope, doc, unit, sourceSide, links);
  const compiledProperties = compileProperties(scope, doc.properties, {
    direction,
    ...(sourceSide ? { source: sourceSide } : {}),
    ...(targetSide ? { target: targetSide } : {}),
    ...(fanOut.childSchema ? { childSchema: fanOut.childSchema } : {}),
    fanOut: doc.each !== undefined || doc.parent !== undefined,
    onExpression: (result, where) => links(result, where === 'to_target'),
  });
  unit.targetWrites = compiledProperties.targetWrites;
  const where = checkTargetSubset(scope, doc.target?.where, targetSide, compiledProperties.targetWrites);
  const when = scope.expression(['when'], 'when', []);
  const lockedWhen = scope.expression(['target', 'locked_when'], 'target.locked_when', []);
  links(when, false);
  links(lockedWhen, false);

  const match = compileMatch(scope, doc, sourceSide, targetSide);
  const create = {
    inTarget: typeof doc.create?.in_target === 'boolean' ? doc.create.in_target : true,
    inSource: typeof doc.create?.in_source === 'boolean' ? doc.create.in_source : false,
  };
  if (create.inSource && direction === 'one-way') {
    scope.report(
      ['create', 'in_source'],
      'MAP_DIRECTION_CONFLICT',
      'a one-way mapping cannot create records in the source',
    );
  }
  const identity = checkIdentity(scope, doc, compiledProperties.properties, create, {
    ...(sourceSide ? { source: sourceSide } : {}),
    ...(targetSide ? { target: targetSide } : {}),
  });
  const deletes = compileDelete(scope, doc.delete, direction, sourceSide, targetSide);
  const dependencies = Object.entries(obj(doc.dependencies) ?? {}).map(([mapping, policy]) => {
    unit.references.push({
      mapping,
      kind: 'dependency',
      position: scope.position(['dependencies', mapping], 'key'),
    });
    return { mapping, onMissing: (policy === 'create' ? 'create' : 'wait') as DependencyPolicy };
  });

  if (sourceSide && targetSide) {
    unit.compiled = {
      name,
      file: source.file,
      ...(str(doc.description) ? { description: str(doc.description) } : {}),
      source: {
        system: sourceSide.system,
        entity: sourceSide.entity,
        ...(sourceSide.label ? { label: sourceSide.label } : {}),
      },
      target: {
        system: targetSide.system,
        entity: targetSide.entity,
        ...(targetSide.label ? { label: targetSide.label } : {}),
        where,
        ...(lockedWhen?.expression ? { lockedWhen: lockedWhen.expression } : {}),
      },
      direction,
      create,
      match,
      ...(identity ? { identity } : {}),
      ...(when?.expression ? { when: when.expression } : {}),
      conflict: oneOf(
        doc.conflict,
        ['newest-wins', 'source-wins', 'target-wins', 'manual'] as ConflictPolicy[],
        'newest-wins',
      ),
      firstSync: oneOf(doc.first_sync, ['source-wins', 'target-wins'] as const, 'source-wins'),
      delete: deletes,
      deleteLimit: typeof doc.delete_limit === 'number' ? doc.delete_limit : 0.1,
      dependencies,
      ...(fanOut.fanOut ? { fanOut: fanOut.fanOut } : {}),
      properties: compiledProperties.properties,
      variables,
    };
  }
  unit.diagnostics = scope.diagnostics;
  return unit;
}

/** `$link('mapping', key)`: record the reference, or report a misuse. */
function collectLinks(
  scope: FileScope,
  unit: MappingUnit,
  result: CompileResult | undefined,
  allowed: boolean,
): void {
  for (const call of result?.calls ?? []) {
    if (call.name !== 'link') continue;
    const report = (code: string, message: string) =>
      scope.diagnostics.push({
        file: scope.file,
        line: call.position.line,
        col: call.position.col,
        severity: 'error',
        code,
        message,
      });
    if (!allowed) {
      report(
        'EXPR_LINK_NOT_ALLOWED',
        '$link resolves source keys to target ids: it can only be used in to_target',
      );
      continue;
    }
    const first = call.args[0];
    if (first?.type !== 'string') {
      report(
        'EXPR_LINK_NAME_NOT_LITERAL',
        "the first argument of $link must be a mapping name in quotes, e.g. $link('customer-person', customer_id)",
      );
      continue;
    }
    const { line, col } = result!.locate(stringStart(first));
    unit.references.push({ mapping: String(first.value), kind: 'link', position: { line, col } });
  }
}

function compileFanOut(
  scope: FileScope,
  doc: MappingDocument,
  unit: MappingUnit,
  sourceSide: ResolvedSide | undefined,
  links: (result: CompileResult | undefined, allowed: boolean) => void,
): { fanOut?: FanOut; childSchema?: JsonSchema } {
  const parent = str(doc.parent);
  const each = scope.expression(['each'], 'each', []);
  const key = scope.expression(['key'], 'key', ['parent', 'position']);
  links(each, false);
  links(key, false);
  if (parent !== undefined)
    unit.references.push({ mapping: parent, kind: 'parent', position: scope.position(['parent']) });
  if (doc.each !== undefined && parent === undefined) {
    scope.report(
      ['each'],
      'MAP_FANOUT_WITHOUT_PARENT',
      'fan-out (each) needs parent: the mapping whose target record the children live under',
      { at: 'key' },
    );
  } else if (parent !== undefined && (doc.each === undefined || doc.key === undefined)) {
    scope.report(['parent'], 'MAP_FANOUT_INCOMPLETE', 'a fan-out mapping needs parent, each and key', {
      at: 'key',
    });
  } else if (doc.each !== undefined && doc.key === undefined) {
    scope.report(['each'], 'MAP_FANOUT_INCOMPLETE', 'a fan-out mapping needs parent, each and key', {
      at: 'key',
    });
  }
  const eachText = str(doc.each)?.trim();
  const childSchema =
    eachText && PATH.test(eachText) && sourceSide?.schema
      ? itemSchema(sourceSide.schema, eachText)
      : undefined;
  const fanOut =
    parent !== undefined && each?.expression && key?.expression
      ? { parent, each: each.expression, key: key.expression }
      : undefined;
  return { ...(fanOut ? { fanOut } : {}), ...(childSchema ? { childSchema } : {}) };
}

function compileMatch(
  scope: FileScope,
  doc: MappingDocument,
  sourceSide: ResolvedSide | undefined,
  targetSide: ResolvedSide | undefined,
): MatchRule[] {
  const rules: MatchRule[] = [];
  for (const [i, raw] of arr(doc.match).entries()) {
    const rule = obj(raw);
    const source = str(rule?.source);
    const target = str(rule?.target);
    if (!source || !target) continue;
    checkPath(scope, sourceSide, source, ['match', i, 'source']);
    checkPath(scope, targetSide, target, ['match', i, 'target']);
    const normalize = oneOf(rule?.normalize, ['email', 'trim', 'exact'] as MatchNormalization[], 'exact');
    rules.push({ source, target, normalize });
  }
  return rules;
}

function checkIdentity(
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

function compileDelete(
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
