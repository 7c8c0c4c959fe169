/**
 * `actions:` of a mapping: each names an operation the target system's connector declares
 * (`ConnectorSpec.operations`) on the target entity, with options checked against that
 * declaration (unknown keys, types, enums, ranges; defaults filled in), and write-back steps
 * naming operations of the source system's connector on the source entity; `each` + `key`
 * make it a per-item action, `value` is the operation's value. Everything is reported at
 * once, at the line that says it.
 */
import type { OperationDeclaration, OptionSchema } from '../connectors/spec.ts';
import { didYouMean } from '../diagnostics/did-you-mean.ts';
import type { PathSegment } from '../yaml/locate.ts';
import { arr, type MappingDocument, obj, str } from './document.ts';
import type { CompileResult } from './expression.ts';
import type { FileScope } from './file-scope.ts';
import type { CompiledAction, CompiledWriteBack } from './model.ts';
import type { ResolvedSide } from './resolve-side.ts';

export function compileActions(
  scope: FileScope,
  doc: MappingDocument,
  sides: { source?: ResolvedSide; target?: ResolvedSide },
  /** `linksAllowed`: the operation's value, which may resolve `$link` (a credit note's products). */
  onExpression: (result: CompileResult | undefined, linksAllowed?: boolean) => void,
): CompiledAction[] {
  const actions: CompiledAction[] = [];
  const raw = arr(doc.actions);
  if (raw.length > 0 && (doc.each !== undefined || doc.parent !== undefined)) {
    scope.report(
      ['actions'],
      'MAP_ACTION_FANOUT',
      'a fan-out mapping cannot have actions: declare them on its parent mapping',
      { at: 'key' },
    );
    return actions;
  }
  const names = new Set<string>();
  for (const [i, item] of raw.entries()) {
    const a = obj(item);
    const name = str(a?.name);
    const operation = str(a?.operation);
    if (!a || !name || !operation) continue; // the schema check reports it
    if (names.has(name)) {
      scope.report(['actions', i, 'name'], 'MAP_ACTION_DUPLICATE', `two actions are named "${name}"`);
    }
    names.add(name);
    const declared = operationOf(scope, sides.target, operation, ['actions', i, 'operation']);
    const options = declared ? checkOptions(scope, declared, a.options, ['actions', i]) : {};
    if (declared?.value === 'required' && a.value === undefined) {
      scope.report(['actions', i, 'operation'], 'MAP_ACTION_VALUE', `operation "${operation}" needs a value`);
    }
    if (declared?.value === 'none' && a.value !== undefined) {
      scope.report(['actions', i, 'value'], 'MAP_ACTION_VALUE', `operation "${operation}" takes no value`);
    }
    if ((a.each === undefined) !== (a.key === undefined)) {
      scope.report(
        ['actions', i, a.each === undefined ? 'key' : 'each'],
        'MAP_ACTION_EACH',
        `action "${name}": \`each\` and \`key\` go together (the items, and each item's identity)`,
        { at: 'key' },
      );
    }
    const when = scope.expression(['actions', i, 'when'], `action "${name}" when`, ['actions']);
    onExpression(when);
    const each = scope.expression(['actions', i, 'each'], `action "${name}" each`, ['actions']);
    onExpression(each);
    const key = scope.expression(['actions', i, 'key'], `action "${name}" key`, ['parent']);
    onExpression(key);
    const value = scope.expression(['actions', i, 'value'], `action "${name}" value`, ['item', 'actions']);
    onExpression(value, true);
    const writeBack: CompiledWriteBack[] = [];
    for (const [j, stepRaw] of arr(a.write_back).entries()) {
      const step = obj(stepRaw);
      const stepOperation = str(step?.operation);
      if (!step || !stepOperation) continue;
      const at: PathSegment[] = ['actions', i, 'write_back', j];
      const stepDeclared = operationOf(scope, sides.source, stepOperation, [...at, 'operation']);
      const stepOptions = stepDeclared ? checkOptions(scope, stepDeclared, step.options, at) : {};
      const stepValue = scope.expression([...at, 'value'], `action "${name}" write_back ${j} value`, [
        'result',
        'item',
        'actions',
      ]);
      onExpression(stepValue);
      if (stepDeclared?.value === 'required' && step.value === undefined) {
        scope.report([...at, 'operation'], 'MAP_ACTION_VALUE', `operation "${stepOperation}" needs a value`);
      }
      if (stepDeclared?.value === 'none' && step.value !== undefined) {
        scope.report([...at, 'value'], 'MAP_ACTION_VALUE', `operation "${stepOperation}" takes no value`);
      }
      writeBack.push({
        operation: stepOperation,
        options: stepOptions,
        ...(stepValue?.expression ? { value: stepValue.expression } : {}),
      });
    }
    const position = scope.position(['actions', i]);
    actions.push({
      name,
      ...(str(a.description) ? { description: str(a.description) } : {}),
      ...(when?.expression ? { when: when.expression } : {}),
      operation,
      options,
      ...(each?.expression && key?.expression ? { each: each.expression, key: key.expression } : {}),
      ...(value?.expression ? { value: value.expression } : {}),
      locksTarget: a.locks_target !== false,
      writeBack,
      position: { file: scope.file, line: position.line, col: position.col },
    });
  }
  return actions;
}

/** The declaration of `name` on the side's entity, or undefined (reported). */
function operationOf(
  scope: FileScope,
  side: ResolvedSide | undefined,
  name: string,
  at: PathSegment[],
): OperationDeclaration | undefined {
  if (!side) return undefined; // the side itself is reported
  const all = side.operations ?? {};
  const forEntity = Object.entries(all)
    .filter(([, d]) => d.entity === side.entity)
    .map(([n]) => n);
  const declared = all[name];
  if (!declared || declared.entity !== side.entity) {
    scope.report(
      at,
      'MAP_ACTION_UNKNOWN_OPERATION',
      `${side.kind} has no operation "${name}" on ${side.entity}${didYouMean(name, forEntity)}; operations: ${forEntity.join(', ') || '(none)'}`,
    );
    return undefined;
  }
  return declared;
}

/** Options checked against the declaration; the defaults filled in. */
function checkOptions(
  scope: FileScope,
  declared: OperationDeclaration,
  raw: unknown,
  at: PathSegment[],
): Record<string, unknown> {
  const given = obj(raw) ?? {};
  const out: Record<string, unknown> = {};
  const known = Object.keys(declared.options.properties);
  for (const [key, value] of Object.entries(given)) {
    const option = declared.options.properties[key];
    if (!option) {
      scope.report(
        [...at, 'options', key],
        'MAP_ACTION_OPTION',
        `unknown option "${key}"${didYouMean(key, known)}; options: ${known.join(', ') || '(none)'}`,
        { at: 'key' },
      );
      continue;
    }
    const problem = optionProblem(option, value);
    if (problem) scope.report([...at, 'options', key], 'MAP_ACTION_OPTION', `option "${key}": ${problem}`);
    else out[key] = value;
  }
  for (const [key, option] of Object.entries(declared.options.properties)) {
    if (out[key] === undefined && option.default !== undefined && given[key] === undefined)
      out[key] = option.default;
  }
  for (const key of declared.options.required ?? []) {
    if (given[key] === undefined) {
      scope.report(
        raw === undefined ? [...at, 'operation'] : [...at, 'options'],
        'MAP_ACTION_OPTION',
        `option "${key}" is required (${declared.options.properties[key]?.description ?? key})`,
      );
    }
  }
  return out;
}

function optionProblem(option: OptionSchema, value: unknown): string | undefined {
  const type = option.type;
  if (type === 'object') return typeof value === 'object' && value !== null ? undefined : 'must be a table';
  const ok =
    type === 'string'
      ? typeof value === 'string'
      : type === 'boolean'
        ? typeof value === 'boolean'
        : typeof value === 'number' && (type === 'number' || Number.isInteger(value));
  if (!ok) return `must be ${type === 'integer' ? 'an integer' : `a ${type}`} (got ${JSON.stringify(value)})`;
  if (option.enum && !option.enum.includes(value as string))
    return `must be one of ${option.enum.join(', ')} (got ${JSON.stringify(value)})`;
  if (typeof value === 'number') {
    if (option.minimum !== undefined && value < option.minimum) return `must be at least ${option.minimum}`;
    if (option.maximum !== undefined && value > option.maximum) return `must be at most ${option.maximum}`;
  }
  return undefined;
}
