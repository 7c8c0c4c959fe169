/**
 * JSON response bodies, read without holding the thread that answers `/healthz`.
 *
 * Decoding a body to a string (`Buffer.toString`) and `JSON.parse` run in one uninterrupted
 * stretch. For a listing page of hostile records (a shop's 400 kB names, a hundred to a
 * page: tens of MB) that was the longest self time of a whole `npm run fuzz` run, and the
 * service answered nothing meanwhile (/healthz up to 2.3 s). So a body over
 * {@link OFF_THREAD_BYTES} is decoded and parsed in a worker thread; what comes back is the
 * parsed value, which the main thread only deserialises (a structured clone: several times
 * cheaper than decoding and parsing, no string of the whole body on this thread). Smaller
 * bodies are parsed here, where a round trip would cost more than the parse.
 *
 * Connector-agnostic: every connector reads its bodies with {@link parseJsonBody}. The
 * client (client.ts) keeps got from decoding bodies eagerly: `response.body` is decoded on
 * first read, which a body parsed off the thread never has.
 *
 * One worker per process, started on the first large body, referenced only while it has
 * work (an idle worker never holds a command open). A worker that dies (out of memory on a
 * body too large for it) fails the parses it had, as unreadable bodies; the next large body
 * starts a fresh one.
 */
import { Worker } from 'node:worker_threads';

/** Bodies larger than this (bytes) are parsed in the worker. */
export const OFF_THREAD_BYTES = 1024 * 1024;

/** The worker: CommonJS evaluated from this string, so it runs the same from sources and from dist/. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, bytes }) => {
  let reply;
  try {
    reply = { id, value: JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort.postMessage(reply);
});
`;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Reply {
  id: number;
  value?: unknown;
  error?: string;
}

let worker: Worker | undefined;
const pending = new Map<number, Pending>();
let nextId = 1;
let offThread = 0;

function start(): Worker {
  const started = new Worker(WORKER_SOURCE, { eval: true });
  started.on('message', (reply: Reply) => {
    const job = pending.get(reply.id);
    if (!job) return;
    pending.delete(reply.id);
    if (pending.size === 0) started.unref();
    if (reply.error !== undefined) job.reject(new SyntaxError(reply.error));
    else job.resolve(reply.value);
  });
  const lost = (error: Error) => {
    if (worker !== started) return;
    worker = undefined;
    for (const job of pending.values()) job.reject(new Error(`the JSON worker stopped: ${error.message}`));
    pending.clear();
  };
  started.on('error', lost);
  started.on('exit', (code) => lost(new Error(`exited with code ${code}`)));
  return started;
}

/** Parse a large body in the worker (a copy of its bytes goes there; the caller keeps its buffer). */
function parseOffThread(bytes: Uint8Array): Promise<unknown> {
  worker ??= start();
  const current = worker;
  const id = nextId++;
  offThread++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    current.ref();
    try {
      current.postMessage({ id, bytes });
    } catch (error) {
      pending.delete(id);
      if (pending.size === 0) current.unref();
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/** What a connector's response offers: the raw bytes, and the text decoded on demand. */
export interface JsonResponse {
  rawBody?: Buffer;
  body: string;
}

/**
 * The parsed JSON of a response body; undefined for an empty body. Rejects (a SyntaxError,
 * or an Error when the worker stopped) for a body that is not JSON: the caller maps that to
 * its "unreadable body" error as before.
 */
export async function parseJsonBody(response: JsonResponse): Promise<unknown> {
  const raw = response.rawBody;
  if (raw !== undefined && raw.length > OFF_THREAD_BYTES) return parseOffThread(raw);
  const text = response.body;
  if (text === '' || text === undefined) return undefined;
  return JSON.parse(text);
}

/** Bodies parsed in the worker so far (tests, diagnostics). */
export function jsonBodiesOffThread(): number {
  return offThread;
}

/** Stop the worker (tests); a later large body starts a new one. */
export async function stopJsonWorker(): Promise<void> {
  const current = worker;
  worker = undefined;
  for (const job of pending.values()) job.reject(new Error('the JSON worker was stopped'));
  pending.clear();
  await current?.terminate();
}
