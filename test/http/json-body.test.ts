/**
 * Large JSON bodies are read off the main thread (engine/connectors/http/json-body.ts): in
 * `npm run fuzz` (seed 580500173) /healthz took up to 2.3 s because `Buffer.toString` and
 * `JSON.parse` of listing pages of several MB ran on the thread that answers it. Against a
 * real loopback server, through the shared client every connector uses: a body over 1 MiB is
 * never decoded to a string nor parsed on this thread, the value is the same, the thread keeps
 * turning while it is parsed, a garbled large body fails as before, and small bodies stay here.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient } from '../../engine/connectors/http/client.ts';
import {
  jsonBodiesOffThread,
  OFF_THREAD_BYTES,
  parseJsonBody,
  stopJsonWorker,
} from '../../engine/connectors/http/json-body.ts';
import { createRuntime } from '../../engine/runtime.ts';

// A listing page of hostile records: long names with astral and combining characters.
const PAGE = Array.from({ length: 40 }, (_, i) => ({
  id: i + 1,
  name: `${'Ærlig 😀 e\u0301 '.repeat(8_000)}${i}`,
  price: '1e309',
  meta_data: [{ key: 'k', value: { nested: [i, null, true] } }],
}));
const LARGE = JSON.stringify(PAGE);
const SMALL = JSON.stringify(PAGE.slice(0, 1).map((r) => ({ ...r, name: 'Kari' })));

let server: Server;
let http: HttpClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json; charset=utf-8');
    if (req.url === '/large') res.end(LARGE);
    else if (req.url === '/garbled') res.end(`${LARGE.slice(0, -10)}`);
    else res.end(SMALL);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  http = createHttpClient({
    system: 't',
    prefixUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    runtime: createRuntime(),
  });
});

afterAll(async () => {
  http.close();
  await new Promise((resolve) => server.close(resolve));
  await stopJsonWorker();
});

/** Count what this thread decodes and parses of more than `OFF_THREAD_BYTES` while `work` runs. */
async function watchMainThread<T>(
  work: () => Promise<T>,
): Promise<{ value: T; decoded: number; parsed: number }> {
  const decode = Buffer.prototype.toString;
  const parse = JSON.parse;
  let decoded = 0;
  let parsed = 0;
  Buffer.prototype.toString = function (this: Buffer, ...args: unknown[]) {
    if (this.length > OFF_THREAD_BYTES) decoded++;
    return (decode as (...a: unknown[]) => string).apply(this, args);
  } as typeof decode;
  JSON.parse = ((text: string, reviver?: (key: string, value: unknown) => unknown) => {
    if (typeof text === 'string' && text.length > OFF_THREAD_BYTES / 4) parsed++;
    return parse(text, reviver);
  }) as typeof JSON.parse;
  try {
    return { value: await work(), decoded, parsed };
  } finally {
    Buffer.prototype.toString = decode;
    JSON.parse = parse;
  }
}

describe('large JSON bodies', () => {
  it('are parsed in a worker: nothing of the body is decoded or parsed on this thread', async () => {
    expect(Buffer.byteLength(LARGE)).toBeGreaterThan(4 * OFF_THREAD_BYTES);
    const before = jsonBodiesOffThread();
    const { value, decoded, parsed } = await watchMainThread(async () =>
      parseJsonBody(await http.get('large')),
    );
    expect(decoded).toBe(0);
    expect(parsed).toBe(0);
    expect(jsonBodiesOffThread()).toBe(before + 1);
    expect(value).toEqual(PAGE);
  });

  it('leave the event loop turning while they are parsed', async () => {
    const response = await http.get('large');
    let turns = 0;
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const parsing = parseJsonBody(response);
    const value = await parsing;
    running = false;
    expect((value as unknown[]).length).toBe(PAGE.length);
    // A parse on this thread would have run in one stretch: at most a turn or two around it.
    expect(turns).toBeGreaterThan(2);
  });

  it('a garbled large body is refused like a small one (a SyntaxError the connector maps)', async () => {
    await expect(parseJsonBody(await http.get('garbled'))).rejects.toThrow(SyntaxError);
    // The worker survives a refusal.
    expect(((await parseJsonBody(await http.get('large'))) as unknown[]).length).toBe(PAGE.length);
  });

  it('small bodies are parsed here, and `body` is still the text for connectors that read it', async () => {
    const before = jsonBodiesOffThread();
    const response = await http.get('small');
    expect(await parseJsonBody(response)).toEqual(JSON.parse(SMALL));
    expect(response.body).toBe(SMALL);
    expect(jsonBodiesOffThread()).toBe(before);
    // A large response's text is still there on demand (error messages), decoded once.
    const large = await http.get('large');
    expect(large.body.length).toBe(LARGE.length);
    expect(large.body).toBe(LARGE);
  });

  it('a stopped worker is replaced by the next large body', async () => {
    await stopJsonWorker();
    expect(((await parseJsonBody(await http.get('large'))) as unknown[]).length).toBe(PAGE.length);
  });
});
