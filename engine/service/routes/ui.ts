/**
 * The status page: `GET /` and a fixed list of static files, uPlot included, served from
 * this folder and node_modules (no CDN: the page works offline and behind firewalls).
 * A strict Content-Security-Policy: same-origin scripts, styles and requests only.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

const require = createRequire(import.meta.url);
const here = (file: string) => fileURLToPath(new URL(`../ui/${file}`, import.meta.url));

const FILES: Record<string, { path: string; type: string }> = {
  'index.html': { path: here('index.html'), type: 'text/html; charset=utf-8' },
  'app.js': { path: here('app.js'), type: 'text/javascript; charset=utf-8' },
  'fleet.html': { path: here('fleet.html'), type: 'text/html; charset=utf-8' },
  'fleet.js': { path: here('fleet.js'), type: 'text/javascript; charset=utf-8' },
  'charts.js': { path: here('charts.js'), type: 'text/javascript; charset=utf-8' },
  'base.css': { path: here('base.css'), type: 'text/css; charset=utf-8' },
  'style.css': { path: here('style.css'), type: 'text/css; charset=utf-8' },
  'favicon.svg': { path: here('favicon.svg'), type: 'image/svg+xml' },
  'vendor/uPlot.esm.js': {
    path: require.resolve('uplot/dist/uPlot.esm.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'vendor/uPlot.min.css': {
    path: require.resolve('uplot/dist/uPlot.min.css'),
    type: 'text/css; charset=utf-8',
  },
};

/** The status page's and the playground's Content-Security-Policy: own scripts and styles only. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The page at `paths` (the single process: index.html at `/`; a fleet's web role: fleet.html
 * at `/` and `/tenants/<id>`, its script reads which from the address) and the static files.
 */
export function uiRoutes(
  app: FastifyInstance,
  page: { file: 'index.html' | 'fleet.html'; paths: string[] } = { file: 'index.html', paths: ['/'] },
): void {
  const cache = new Map<string, Buffer>();
  const send = async (name: string) => {
    const file = FILES[name];
    if (!file) return undefined;
    let body = cache.get(name);
    if (!body) {
      body = await readFile(file.path);
      cache.set(name, body);
    }
    return { body, type: file.type };
  };

  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });

  const html = async (_request: unknown, reply: FastifyReply) => {
    const file = await send(page.file);
    return reply
      .type(file!.type)
      .header('content-security-policy', CSP)
      .header('cache-control', 'no-store')
      .send(file!.body);
  };
  for (const path of page.paths) app.get(path, html);

  app.get<{ Params: { '*': string } }>('/ui/*', async (request, reply) => {
    const file = await send(request.params['*']);
    if (!file) return reply.code(404).send({ error: 'not found' });
    return reply.type(file.type).header('cache-control', 'no-cache').send(file.body);
  });
}
