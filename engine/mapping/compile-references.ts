/**
 * The parts of a mapping that name other mappings: `$link('…')` calls found in expressions
 * (recorded with the position of the quoted name) and the fan-out's `parent`, with the
 * fan-out's own checks (each, key, the children's schema when `each` is a plain path).
 */
import { stringStart } from './ast-walk.ts';
import { type MappingDocument, str } from './document.ts';
import { itemSchema, type JsonSchema } from './entity-schema.ts';
import type { CompileResult } from './expression.ts';
import type { FileScope } from './file-scope.ts';
import type { FanOut } from './model.ts';
import type { ResolvedSide } from './resolve-side.ts';
import type { MappingUnit } from './unit.ts';

const PATH = /^[A-Za-z_$][A-Za-z0-9_$-]*(\.[A-Za-z_$][A-Za-z0-9_$-]*)*$/;

/** `$link('mapping', key)`: record the reference, or report a misuse. */
export function collectLinks(
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
        "$link resolves source keys to target ids: it can only be used in to_target and in an action's value",
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

export function compileFanOut(
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
