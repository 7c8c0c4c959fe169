/**
 * What reading one large JSON listing body costs the thread that answers /healthz: the
 * longest stretch the event loop was held (`monitorEventLoopDelay`, 1 ms resolution) while
 * a body of hostile records is fetched from a loopback server through the shared HTTP client
 * and parsed, on this thread (`JSON.parse(response.body)`, as connectors did) and with
 * `parseJsonBody` (a worker for bodies over 1 MiB). `node --import tsx bench/fuzz/json-body-cost.ts [MB]`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createHttpClient } from '../../engine/connectors/http/client.ts';
import { parseJsonBody, stopJsonWorker } from '../../engine/connectors/http/json-body.ts';
import { createRuntime } from '../../engine/runtime.ts';

const megabytes = Number(process.argv[2] ?? 20);
const record = (i: number) => ({ id: i, name: `${'Ærlig 😀 e\u0301 '.repeat(25_000)}${i}`, price: '1e309' });
const one = Buffer.byteLength(JSON.stringify(record(0)));
const body = JSON.stringify(
  Array.from({ length: Math.ceil((megabytes * 1024 * 1024) / one) }, (_, i) => record(i)),
);
const server = createServer((_req, res) => res.end(body));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const http = createHttpClient({
  system: 'bench',
  prefixUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  runtime: createRuntime(),
});

async function held(
  parse: (response: { body: string; rawBody?: Buffer }) => Promise<unknown>,
): Promise<number> {
  const response = await http.get('page');
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await parse(response);
  await new Promise((resolve) => setTimeout(resolve, 20));
  h.disable();
  return h.max / 1e6;
}

await held((r) => parseJsonBody(r)); // start the worker
const rows: string[] = [];
for (let round = 0; round < 3; round++) {
  const here = await held(async (r) => JSON.parse(r.body));
  const off = await held((r) => parseJsonBody(r));
  rows.push(`round ${round + 1}: on this thread ${here.toFixed(0)} ms, parseJsonBody ${off.toFixed(0)} ms`);
}
console.log(
  `body of ${(Buffer.byteLength(body) / 1024 / 1024).toFixed(1)} MB; longest event-loop stretch while it is decoded and parsed:`,
);
for (const row of rows) console.log(`  ${row}`);
http.close();
server.close();
await stopJsonWorker();
