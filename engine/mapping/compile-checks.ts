/**
 * `checks:` of a mapping: conditions on the systems' configuration, evaluated once per run
 * before any record (engine/mapping/run-checks.ts), with the mapping's variables and the sides' run
 * settings (`$source_settings`, `$target_settings`) bound. Each check has an optional `each`
 * (the items it is checked for, each bound as `$`), a `condition` that must be true for every
 * item, and a `message` naming both sides of a mismatch. A failed condition stops the mapping
 * with `CONFIG_MISMATCH` at the check's line and column: nothing is synced with a
 * configuration the systems contradict.
 */
import { arr, type MappingDocument, obj, str } from './document.ts';
import type { CompileResult } from './expression.ts';
import type { FileScope } from './file-scope.ts';
import type { CompiledCheck } from './model.ts';

export function compileChecks(
  scope: FileScope,
  doc: MappingDocument,
  onExpression: (result: CompileResult | undefined) => void,
): CompiledCheck[] {
  const checks: CompiledCheck[] = [];
  const names = new Set<string>();
  for (const [i, raw] of arr(doc.checks).entries()) {
    const c = obj(raw);
    const name = str(c?.name);
    if (!c || !name) continue; // the schema check reports it
    if (names.has(name))
      scope.report(['checks', i, 'name'], 'MAP_CHECK_DUPLICATE', `two checks are named "${name}"`);
    names.add(name);
    const compile = (key: 'each' | 'condition' | 'message') => {
      const result = scope.expression(['checks', i, key], `check "${name}" ${key}`, []);
      onExpression(result);
      return result?.expression;
    };
    const each = compile('each');
    const condition = compile('condition');
    const message = compile('message');
    if (!condition || !message) continue;
    const position = scope.position(['checks', i]);
    checks.push({
      name,
      ...(str(c.description) ? { description: str(c.description) } : {}),
      ...(each ? { each } : {}),
      condition,
      message,
      position: { file: scope.file, line: position.line, col: position.col },
    });
  }
  return checks;
}
