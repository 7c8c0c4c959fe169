/**
 * The status page: `GET /` and a fixed list of static files, uPlot included, served from
 * this folder and node_modules (no CDN: the page works offline and behind firewalls).
 * A strict Content-Security-Policy: same-origin scripts, styles and requests only.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);
const here = (file: string) => fileURLToPath(new URL(`../ui/${file}`, import.meta.url));

const FILES: Record<string, { path: string; type: string }> = {
  'index.html': { path: here('index.html'), type: 'text/html; charset=utf-8' },
  'app.js': { path: here('app.js'), type: 'text/javascript; charset=utf-8' },
  'charts.js': { path: here('charts.js'), type: 'text/javascript; charset=utf-8' },
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

export function uiRoutes(app: FastifyInstance): void {
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

  app.get('/', async (_request, reply) => {
    const file = await send('index.html');
    return reply
      .type(file!.type)
      .header('content-security-policy', CSP)
      .header('cache-control', 'no-store')
      .send(file!.body);
  });

  app.get<{ Params: { '*': string } }>('/ui/*', async (request, reply) => {
    const file = await send(request.params['*']);
    if (!file) return reply.code(404).send({ error: 'not found' });
    return reply.type(file.type).header('cache-control', 'no-cache').send(file.body);
  });
}
