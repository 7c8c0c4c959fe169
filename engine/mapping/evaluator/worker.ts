/**
 * An evaluation worker (worker thread): compiles the expressions it is sent, once each, and
 * evaluates jobs one at a time. `$link` is answered from the job's answers; a key it has no
 * answer for stops that item and is asked of the pool (see protocol.ts). A job that runs
 * too long is not this thread's concern: the pool terminates the whole thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type jsonata from 'jsonata';
import { CONTEXT_BINDING } from '../functions/index.ts';
import type { EvaluationContext } from '../model.ts';
import { toPlain } from '../plain.ts';
import { evaluatePrepared, prepareExpression } from './prepare.ts';
import { type EvalMessage, Progress, type WorkerMessage, wireError } from './protocol.ts';
import { fetchChannel, linkKey } from './runner.ts';

/** Thrown by `$link` for a key this job has no answer for yet. */
class LinkNeeded {
  constructor(
    readonly mapping: string,
    readonly key: unknown,
  ) {}
}

const port = parentPort!;
const progress = new Progress((workerData as { progress: SharedArrayBuffer }).progress);
const programs = new Map<
  number,
  { compiled: jsonata.Expression; variables: Readonly<Record<string, unknown>> }
>();

const post = (message: WorkerMessage): void => port.postMessage(message);

/** Kept `$link` answers per run scope, per linked mapping, valid for one link generation. */
type ScopeAnswers = Map<string, { generation: number; answers: Map<string, unknown> }>;
const scopes = new Map<number, ScopeAnswers>();
const MAX_SCOPES = 8;
const MAX_KEPT = 20_000;

function scopeAnswers(scope: NonNullable<EvalMessage['scope']>): ScopeAnswers {
  let byMapping = scopes.get(scope.id);
  if (!byMapping) {
    byMapping = new Map();
    scopes.set(scope.id, byMapping);
    if (scopes.size > MAX_SCOPES) scopes.delete(scopes.keys().next().value!);
  }
  for (const [mapping, generation] of scope.generations) {
    const kept = byMapping.get(mapping);
    if (!kept || kept.generation !== generation || kept.answers.size > MAX_KEPT) {
      byMapping.set(mapping, { generation, answers: new Map() });
    }
  }
  return byMapping;
}

function run(message: EvalMessage): void {
  void evaluateJob(message).catch((error: unknown) =>
    post({ kind: 'failed', job: message.job, values: [], error: wireError(error) }),
  );
}

async function evaluateJob(message: EvalMessage): Promise<void> {
  for (const [id, spec] of message.define) {
    programs.set(id, { compiled: prepareExpression(spec), variables: spec.variables });
  }
  const answers = new Map<string, unknown>();
  const kept = message.scope ? scopeAnswers(message.scope) : undefined;
  for (const [k, answer, keep] of message.answers) {
    answers.set(k, answer);
    if (keep) kept?.get(k.slice(0, k.indexOf('\u0000')))?.answers.set(k, answer);
  }
  const context: EvaluationContext = {
    link: async (mapping, key) => {
      const plain = toPlain(key);
      const k = linkKey(mapping, plain);
      if (answers.has(k)) return answers.get(k);
      const known = kept?.get(mapping)?.answers;
      if (known?.has(k)) return known.get(k);
      throw new LinkNeeded(mapping, plain);
    },
    // Asked of the pool like a `$link` (runner.ts, fetchChannel); never kept past the job.
    fetch: async (side, name, args) => {
      const channel = fetchChannel(side, name);
      const plain = toPlain(args);
      const k = linkKey(channel, plain);
      if (answers.has(k)) return answers.get(k);
      throw new LinkNeeded(channel, plain);
    },
  };
  const values: unknown[] = [];
  for (const [index, item] of message.items.entries()) {
    const program = programs.get(item.id);
    if (!program) throw new Error(`expression ${item.id} was never defined in this worker`);
    progress.mark(index);
    try {
      const bindings = { ...program.variables, ...item.bindings, [CONTEXT_BINDING]: context };
      values.push(await evaluatePrepared(program.compiled, item.input, bindings));
    } catch (error) {
      if (error instanceof LinkNeeded) {
        post({ kind: 'needs', job: message.job, values, mapping: error.mapping, key: error.key });
      } else {
        post({ kind: 'failed', job: message.job, values, error: wireError(error) });
      }
      return;
    }
  }
  post({ kind: 'done', job: message.job, values });
}

port.on('message', run);
post({ kind: 'ready' });
