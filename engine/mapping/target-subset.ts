/**
 * `target.where`: the target property values that select the records a mapping owns
 * (PowerOffice customers with `IsPerson: true`). They are written on create, so they must
 * exist, be writable, fit the field's type and allowed values, and not be mapped again as a
 * property.
 */

import type { Position } from '../yaml/parse-source.ts';
import { obj } from './document.ts';
import type { FileScope } from './file-scope.ts';
import type { ResolvedSide } from './resolve-side.ts';
import { checkPath, jsonTypeOf } from './schema-paths.ts';

export function checkTargetSubset(
  scope: FileScope,
  raw: unknown,
  target: ResolvedSide | undefined,
  targetWrites: readonly { path: string; position: Position }[],
): Record<string, unknown> {
  const where = obj(raw) ?? {};
  for (const [key, value] of Object.entries(where)) {
    const at = ['target', 'where', key];
    const field = checkPath(scope, target, key, at, { where: 'key' });
    if (field?.readOnly) {
      scope.report(at, 'MAP_READ_ONLY_TARGET', `"${key}" is read-only and cannot be set on create`, {
        at: 'key',
      });
    }
    if (field && value !== null && field.types.length > 0) {
      const type = jsonTypeOf(value);
      const fits = field.types.includes(type) || (type === 'integer' && field.types.includes('number'));
      if (!fits) {
        scope.report(at, 'MAP_TYPE_MISMATCH', `"${key}" is ${field.types.join(' or ')}, not ${type}`, {
          severity: 'warning',
        });
      }
    }
    if (field?.enum && !field.enum.includes(value)) {
      scope.report(
        at,
        'MAP_INVALID_VALUE',
        `"${key}" must be one of ${field.enum.filter((v) => v !== null).join(', ')}, not ${JSON.stringify(value)}`,
      );
    }
    for (const write of targetWrites.filter((w) => w.path === key)) {
      scope.diagnostics.push({
        file: scope.file,
        ...write.position,
        severity: 'error',
        code: 'MAP_DUPLICATE_PROPERTY',
        message: `"${key}" is already set by target.where on line ${scope.position(at, 'key').line}`,
      });
    }
  }
  return where;
}
