/**
 * What one record becomes through a mapping, with `$link` answered from stubs: the payload
 * `mapsync test` compares and the playground shows. It calls the evaluator's operations the
 * sync engine calls (evaluate.ts: `passesWhen`, `expandChildren`, `valuesForTarget`,
 * `valuesForSource`) and builds the record with the engine's one payload rule (payload.ts),
 * so what a person sees is what the engine sends.
 */
import { stringify } from 'safe-stable-stringify';
import { childContext, type MappingEvaluator } from './evaluate.ts';
import type { CompiledMapping, EvaluationContext } from './model.ts';
import { sourcePayload, targetPayload } from './payload.ts';

export interface RecordToMap {
  /** `to-target`: `input` is a source record; `to-source`: a target record flowing back. */
  direction: 'to-target' | 'to-source';
  input: unknown;
  /** mapping → key → linked id (`$link` answers); a key without an answer is "not linked". */
  links: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Extra variables bound for the evaluation. */
  variables: Readonly<Record<string, unknown>>;
  /** `$fetch` answers (mapping tests' `fetched`); absent: `$fetch` fails (no system). */
  fetched?: readonly FetchStub[];
}

/** One stubbed `$fetch(side, name, args)` answer. */
export interface FetchStub {
  side: 'source' | 'target';
  name: string;
  args: Readonly<Record<string, unknown>>;
  result: unknown;
}

export interface MapRecordOptions {
  /** Told of each `$link` that had no stubbed answer. */
  onUnlinked?(mapping: string, key: string): void;
}

/**
 * The payload: the target record to create (an array of them for fan-out), the source
 * record for `to-source`, or `{ skipped: true }` when `when` excludes the record.
 */
export async function mapRecord(
  evaluator: MappingEvaluator,
  mapping: CompiledMapping,
  record: RecordToMap,
  options: MapRecordOptions = {},
): Promise<unknown> {
  const { expandChildren, passesWhen, valuesForSource, valuesForTarget } = evaluator;
  const ctx: EvaluationContext = {
    link: async (name, key) => {
      const id = typeof key === 'object' && key !== null ? (key as { id?: unknown }).id : key;
      const answer = record.links[name]?.[String(id)];
      if (answer === undefined) options.onUnlinked?.(name, String(id));
      return answer;
    },
    bindings: { ...record.variables },
    ...(record.fetched ? { fetch: stubbedFetch(record.fetched) } : {}),
  };
  if (record.direction === 'to-source') {
    return sourcePayload(await valuesForSource(mapping, record.input, ctx));
  }
  if (!(await passesWhen(mapping, record.input, ctx))) return { skipped: true };
  if (!mapping.fanOut) return targetPayload(mapping, await valuesForTarget(mapping, record.input, ctx));
  const children = await expandChildren(mapping, record.input, ctx);
  const payloads: Record<string, unknown>[] = [];
  for (const { child, position } of children) {
    const values = await valuesForTarget(mapping, child, childContext(ctx, record.input, position));
    payloads.push(targetPayload(mapping, values));
  }
  return payloads;
}

/** `$fetch` answered from stubs, matched on side, name and arguments (key order aside). */
function stubbedFetch(stubs: readonly FetchStub[]): NonNullable<EvaluationContext['fetch']> {
  return async (side, name, args) => {
    const wanted = stringify(args);
    const stub = stubs.find((s) => s.side === side && s.name === name && stringify(s.args) === wanted);
    if (!stub)
      throw new Error(
        `$fetch('${side}', '${name}', ${wanted}): no answer in the case's fetched (give side, name, these args and a result)`,
      );
    return stub.result;
  };
}
