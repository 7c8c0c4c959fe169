/**
 * The playground's HTTP routes, the same in `mapsync playground` and in `mapsync serve`:
 *
 *   GET  /playground                  the page (GET /playground/ui/<file>: its script, style)
 *   GET  /playground/api/mappings     every mapping file: text, version, sides, test cases
 *   POST /playground/api/evaluate     { file, text?, record? | case? | live?: {id}, … } → payload, reverse, diagnostics
 *   POST /playground/api/save         { file, version, text | edits } → validate's diagnostics
 *
 * Guards, in order, before any body is read: the server's Host check (421, host-check.ts);
 * `authorize` (in `serve`: the admin token, 401/403); for POST, an Origin naming this very
 * host (403: no other page the browser has open may post here) and a JSON content type
 * (415: HTML forms cannot send one); then the body limit (413) and the file guard (400).
 */

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CSP } from '../service/routes/ui.ts';
import { PlaygroundError } from './errors.ts';
import type { Playground } from './playground.ts';

/** An edited mapping (≤ 1 MiB, the file limit) with its sample record, as JSON. */
export const PLAYGROUND_BODY_LIMIT = 3 * 1024 * 1024;

export type Authorize = (
  request: FastifyRequest,
) => { ok: true } | { ok: false; status: number; error: string };

export interface PlaygroundRoutesOptions {
  playground: Playground;
  /** Checked before every API request (`serve`: the admin token); absent: none needed. */
  authorize?: Authorize;
}

const here = (file: string) => fileURLToPath(new URL(`./ui/${file}`, import.meta.url));
const ASSETS: Record<string, { path: string; type: string }> = {
  'index.html': { path: here('index.html'), type: 'text/html; charset=utf-8' },
  'playground.js': { path: here('playground.js'), type: 'text/javascript; charset=utf-8' },
  'editor.js': { path: here('editor.js'), type: 'text/javascript; charset=utf-8' },
  // The status page's base stylesheet, the very file (one base for both pages).
  'base.css': {
    path: fileURLToPath(new URL('../service/ui/base.css', import.meta.url)),
    type: 'text/css; charset=utf-8',
  },
  'playground.css': { path: here('playground.css'), type: 'text/css; charset=utf-8' },
};

/** Does the request come from a page of this very host (or from no browser page at all)? */
export function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return request.headers['sec-fetch-site'] !== 'cross-site';
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false; // "null" (a sandboxed frame, a file) is no origin of ours
  }
}

function isJson(request: FastifyRequest): boolean {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json';
}

export function playgroundRoutes(app: FastifyInstance, options: PlaygroundRoutesOptions): void {
  const { playground, authorize } = options;
  const cache = new Map<string, Buffer>();
  const asset = async (name: string) => {
    const file = ASSETS[name];
    if (!file) return undefined;
    let body = cache.get(name);
    if (!body) {
      body = await readFile(file.path);
      cache.set(name, body);
    }
    return { body, type: file.type };
  };

  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    const decision = authorize?.(request) ?? { ok: true };
    if (!decision.ok) return reply.code(decision.status).send({ error: decision.error });
    if (request.method === 'POST') {
      if (!sameOrigin(request)) {
        return reply.code(403).send({ error: 'refused: the request comes from a page of another origin' });
      }
      if (!isJson(request)) return reply.code(415).send({ error: 'send the request as application/json' });
    }
  };
  const answer = async <T>(reply: FastifyReply, work: () => Promise<T>) => {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof PlaygroundError)) throw error;
      const diagnostics = (error as { diagnostics?: unknown }).diagnostics;
      return reply.code(error.status).send({ error: error.message, ...(diagnostics ? { diagnostics } : {}) });
    }
  };
  const page = { headers: { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' } };

  app.get('/playground', async (_request, reply) => {
    const file = (await asset('index.html'))!;
    return reply
      .type(file.type)
      .headers({ ...page.headers, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' })
      .send(file.body);
  });
  app.get<{ Params: { file: string } }>('/playground/ui/:file', async (request, reply) => {
    const file = await asset(request.params.file);
    if (!file || request.params.file === 'index.html') return reply.code(404).send({ error: 'not found' });
    return reply
      .type(file.type)
      .headers({ ...page.headers, 'cache-control': 'no-cache' })
      .send(file.body);
  });

  app.get('/playground/api/mappings', { onRequest: guard }, async (_request, reply) =>
    answer(reply, async () => ({ ...(await playground.list()), connected: playground.connected })),
  );
  app.post(
    '/playground/api/evaluate',
    { onRequest: guard, bodyLimit: PLAYGROUND_BODY_LIMIT },
    async (request, reply) => answer(reply, () => playground.evaluate(bodyOf(request))),
  );
  app.post(
    '/playground/api/save',
    { onRequest: guard, bodyLimit: PLAYGROUND_BODY_LIMIT },
    async (request, reply) => answer(reply, () => playground.save(bodyOf(request))),
  );
}

function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new PlaygroundError(400, 'the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}
