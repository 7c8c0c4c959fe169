/**
 * A real playground server on 127.0.0.1 (port 0) over a copy of the shipped mappings in a
 * temp folder (saves never touch the repository), and a raw HTTP client that can send any
 * Host, Origin and content type (fetch would refuse to set Host).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectors } from '../../engine/connectors/index.ts';
import { DEFAULT_SCHEMAS_DIR } from '../../engine/mapping/project.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import type { FetchRecord } from '../../engine/playground/evaluate.ts';
import type { PlaygroundEvaluatorOptions } from '../../engine/playground/evaluator.ts';
import { type PlaygroundServer, startPlaygroundServer } from '../../engine/playground/server.ts';
import type { PlaygroundWorkspace } from '../../engine/playground/workspace.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A temp project holding a copy of mappings/ (mappings and their tests). */
export function copyProject(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-playground-'));
  cpSync(join(REPO, 'mappings'), join(dir, 'mappings'), { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function workspaceOf(dir: string): PlaygroundWorkspace {
  return { root: dir, paths: ['mappings'], registry: connectors, schemasDir: DEFAULT_SCHEMAS_DIR };
}

export async function startServer(
  dir: string,
  options: { evaluator?: PlaygroundEvaluatorOptions; fetchRecord?: FetchRecord } = {},
): Promise<PlaygroundServer> {
  return startPlaygroundServer({
    workspace: workspaceOf(dir),
    host: '127.0.0.1',
    port: 0,
    logger: createLogger({ level: 'silent' }),
    ...options,
  });
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

/** One request with exactly the headers given (plus Host: the server's address unless set). */
export function send<T = Record<string, unknown>>(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const url = new URL(path, baseUrl);
  const payload =
    options.raw ?? (options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body)));
  const headers: Record<string, string> = {
    ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON (the page)
          }
          resolve({ status: res.statusCode ?? 0, body: body as T, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.end(payload);
    else req.end();
  });
}

/** POST JSON as the playground page does (same-origin). */
export function post<T = Record<string, unknown>>(baseUrl: string, path: string, body: unknown) {
  return send<T>(baseUrl, 'POST', path, { body, headers: { origin: new URL(baseUrl).origin } });
}

export function read(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8');
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
export function positionOf(text: string, needle: string): { line: number; col: number } {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`"${needle}" is not in the text`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before.at(-1)!.length + 1 };
}
