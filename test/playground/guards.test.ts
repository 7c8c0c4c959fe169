/**
 * The playground's guards against a real server on 127.0.0.1: a foreign Host is 421 (DNS
 * rebinding), a state-changing request from a page of another origin 403, a body that is not
 * JSON 415, a body over the limit 413, a file that is not one of the project's mapping files
 * 400 (a path out of the folder, mapsync.yaml, a test file, a symlink pointing out). Inside
 * `mapsync serve` the API also needs the admin token. No refused request writes anything.
 */
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../engine/observability/logger.ts';
import type { MappingList } from '../../engine/playground/list.ts';
import { mountPlayground } from '../../engine/playground/mount.ts';
import { Playground } from '../../engine/playground/playground.ts';
import { PLAYGROUND_BODY_LIMIT } from '../../engine/playground/routes.ts';
import type { PlaygroundServer } from '../../engine/playground/server.ts';
import { AdminAuth } from '../../engine/service/admin-auth.ts';
import { hostCheck } from '../../engine/service/host-check.ts';
import { copyProject, post, read, send, startServer, workspaceOf } from './helpers.ts';

const PRODUCT = 'mappings/product.yaml';

let project: ReturnType<typeof copyProject>;
let server: PlaygroundServer;
let original: string;
let version: string;

beforeAll(async () => {
  project = copyProject();
  writeFileSync(join(project.dir, 'outside.yaml'), 'version: 1\n');
  symlinkSync(join(project.dir, 'outside.yaml'), join(project.dir, 'mappings', 'escape.yaml'));
  server = await startServer(project.dir);
  original = read(project.dir, PRODUCT);
  const { body } = await send<MappingList>(server.url, 'GET', '/playground/api/mappings');
  version = body.mappings.find((m) => m.file === PRODUCT)!.version;
});

afterAll(async () => {
  await server?.close();
  project?.remove();
});

const save = (headers: Record<string, string>, raw?: string) =>
  send(server.url, 'POST', '/playground/api/save', {
    raw: raw ?? JSON.stringify({ file: PRODUCT, version, text: `${original}# x\n` }),
    headers,
  });

describe('guards', () => {
  it('answers 421 to a Host that is not an address of this machine, on the page and the API', async () => {
    for (const [method, path] of [
      ['GET', '/playground'],
      ['GET', '/playground/api/mappings'],
      ['POST', '/playground/api/save'],
    ] as const) {
      const answer = await send(server.url, method, path, {
        headers: { host: 'attacker.example', 'content-type': 'application/json' },
        raw: '{}',
      });
      expect(answer.status, `${method} ${path}`).toBe(421);
    }
    expect((await send(server.url, 'GET', '/playground', { headers: { host: 'localhost' } })).status).toBe(
      200,
    );
  });

  it('answers 403 to a POST from a page of another origin (or an opaque one)', async () => {
    for (const origin of ['http://attacker.example', 'null', 'http://127.0.0.1:1']) {
      const answer = await save({ origin, 'content-type': 'application/json' });
      expect(answer.status, origin).toBe(403);
    }
    const crossSite = await save({ 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' });
    expect(crossSite.status).toBe(403);
    expect(read(project.dir, PRODUCT)).toBe(original);
  });

  it('answers 415 to a body that is not declared JSON (what an HTML form can send)', async () => {
    const origin = new URL(server.url).origin;
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const answer = await save({ origin, 'content-type': type });
      expect(answer.status, type).toBe(415);
    }
    expect(read(project.dir, PRODUCT)).toBe(original);
  });

  it('answers 413 to a body over the limit', async () => {
    const origin = new URL(server.url).origin;
    const huge = JSON.stringify({ file: PRODUCT, version, text: 'x'.repeat(PLAYGROUND_BODY_LIMIT + 1) });
    const answer = await save({ origin, 'content-type': 'application/json' }, huge);
    expect(answer.status).toBe(413);
    expect(read(project.dir, PRODUCT)).toBe(original);
  });

  it("answers 400 to a file that is not one of the project's mapping files", async () => {
    for (const file of [
      '../outside.yaml',
      'mappings/../outside.yaml',
      join(project.dir, PRODUCT),
      'mappings/product.test.yaml',
      'mapsync.yaml',
      'mappings/escape.yaml', // a symlink to a file outside the mappings folder
      42,
    ]) {
      for (const path of ['/playground/api/save', '/playground/api/evaluate']) {
        const answer = await post(server.url, path, { file, version, text: 'version: 1\n' });
        expect(answer.status, `${path} ${String(file)}`).toBe(400);
      }
    }
    expect(read(project.dir, 'outside.yaml')).toBe('version: 1\n');
  });

  it('serves the page with a strict Content-Security-Policy', async () => {
    const page = await send(server.url, 'GET', '/playground');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect((await send(server.url, 'GET', '/playground/ui/nothing.js')).status).toBe(404);
  });

  it('serves every stylesheet and script the page links, the base shared with the status page first', async () => {
    const page = String((await send(server.url, 'GET', '/playground')).body);
    const links = [...page.matchAll(/(?:href|src)="(\/playground\/ui\/[^"]+)"/g)].map((m) => m[1]!);
    expect(links.slice(0, 2)).toEqual(['/playground/ui/base.css', '/playground/ui/playground.css']);
    for (const link of links) {
      const answer = await send(server.url, 'GET', link);
      expect(answer.status, link).toBe(200);
      expect(String(answer.body).length, link).toBeGreaterThan(0);
    }
    const base = String((await send(server.url, 'GET', '/playground/ui/base.css')).body);
    expect(base).toContain('--accent');
  });
});

describe('inside mapsync serve', () => {
  const TOKEN = 'a-long-enough-admin-token';
  let app: FastifyInstance;
  let url: string;
  let playground: Playground;

  beforeAll(async () => {
    // The service's own parts: its Host check, its AdminAuth, the playground mounted on it.
    app = Fastify({ logger: false });
    hostCheck(app, new Set(), createLogger({ level: 'silent' }));
    playground = new Playground({ workspace: workspaceOf(project.dir) });
    mountPlayground(app, playground, new AdminAuth(TOKEN));
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await app?.close();
    await playground?.close();
  });

  it('needs the admin token for the API (401 without or with a wrong one), not for the page', async () => {
    expect((await send(url, 'GET', '/playground')).status).toBe(200);
    expect((await send(url, 'GET', '/playground/api/mappings')).status).toBe(401);
    const wrong = { authorization: 'Bearer not-the-token-at-all' };
    expect((await send(url, 'GET', '/playground/api/mappings', { headers: wrong })).status).toBe(401);
    const right = { authorization: `Bearer ${TOKEN}` };
    expect((await send(url, 'GET', '/playground/api/mappings', { headers: right })).status).toBe(200);
    const evaluate = await send(url, 'POST', '/playground/api/evaluate', {
      body: { file: PRODUCT, case: 'normal product' },
      headers: { ...right, origin: new URL(url).origin },
    });
    expect(evaluate.status).toBe(200);
  });

  it('is refused (403) when the service runs without an admin token', async () => {
    const bare = Fastify({ logger: false });
    mountPlayground(bare, playground, new AdminAuth(undefined));
    const address = await bare.listen({ host: '127.0.0.1', port: 0 });
    try {
      const answer = await send(address, 'GET', '/playground/api/mappings');
      expect(answer.status).toBe(403);
      expect(String(answer.body.error)).toContain('MAPSYNC_ADMIN_TOKEN');
    } finally {
      await bare.close();
    }
  });
});
