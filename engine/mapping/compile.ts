/**
 * Compiles one parsed mapping file into a CompiledMapping, reporting every problem it can
 * see from this file alone (sides, properties, subset, match, identity guard, fan-out,
 * expressions). What needs all files (unknown mappings, cycles, two mappings writing one
 * property) is checked by cross-checks.ts from the `references` and `targetWrites` kept here.
 */
import { basename } from 'node:path';
import type { YamlSource } from '../yaml/parse-source.ts';
import { compileActions } from './compile-actions.ts';
import { compileChecks } from './compile-checks.ts';
import { checkIdentity, compileDelete, compileMatch } from './compile-policies.ts';
import { compileProperties } from './compile-properties.ts';
import { collectLinks, compileFanOut } from './compile-references.ts';
import { compileScans } from './compile-scans.ts';
import { type MappingDocument, obj, oneOf, str } from './document.ts';
import type { CompileResult, ExpressionLimits } from './expression.ts';
import { FileScope } from './file-scope.ts';
import type { ConflictPolicy, DependencyPolicy } from './model.ts';
import { type ResolveEnvironment, resolveSide } from './resolve-side.ts';
import { checkTargetSubset } from './target-subset.ts';
import type { MappingUnit } from './unit.ts';

export interface CompileEnvironment extends ResolveEnvironment {
  limits: ExpressionLimits;
}

export type { MappingReference, MappingUnit } from './unit.ts';

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
  for (const side of [sourceSide, targetSide]) {
    if (side?.runSettings)
      scope.settings![side === sourceSide ? 'source' : 'target'] = {
        kind: side.kind,
        names: side.runSettings,
      };
    if (side?.lookups)
      scope.lookups![side === sourceSide ? 'source' : 'target'] = { kind: side.kind, names: side.lookups };
  }
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
  const report = scope.expression(
    ['report'],
    'report',
    doc.each !== undefined || doc.parent !== undefined ? ['parent', 'position'] : [],
  );
  links(report, false);

  const actions = compileActions(
    scope,
    doc,
    { ...(sourceSide ? { source: sourceSide } : {}), ...(targetSide ? { target: targetSide } : {}) },
    (result, linksAllowed) => links(result, linksAllowed === true),
  );
  const scans = compileScans(scope, doc, compiledProperties.properties, {
    ...(sourceSide ? { source: sourceSide } : {}),
    ...(targetSide ? { target: targetSide } : {}),
  });
  const checks = compileChecks(scope, doc, (result) => links(result, false));
  const match = compileMatch(scope, doc, sourceSide, targetSide, compiledProperties.properties);
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
        schema: sourceSide.descriptor.schema,
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
      ...(report?.expression ? { report: report.expression } : {}),
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
      ...(actions.length > 0 ? { actions } : {}),
      ...(scans.length > 0 ? { scans } : {}),
      ...(checks.length > 0 ? { checks } : {}),
    };
  }
  unit.diagnostics = scope.diagnostics;
  return unit;
}
