/**
 * What a route handler gets and returns, and the helpers every route module uses.
 */

import { Problem } from './problem.ts';
import { pageOf, paginationHeader, type Query, resourceParameters } from './query.ts';
import type { PropertySchema } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';

export interface Context {
  /** What reads see: the primary data, or the lagging replica's view of it (replica.ts). */
  state: PowerOfficeState;
  /** The primary data (writes, and reads that must not lag such as send-state polls). */
  primary: PowerOfficeState;
  /** Absolute URL of the API base the request came in on (`…/v2` or `…/Demo/v2`). */
  base: string;
  query: Query;
  body: unknown;
  params: Record<string, string>;
  url: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: string;
  /** Lower-case segments after `/v2`; `:name` captures, `:name#int` / `:name#uuid` constrain. */
  segments: string[];
  handler: (ctx: Context) => Reply;
}

export const ok = (body: unknown, status = 200): Reply => ({ status, body });

export function listing(items: Rec[], ctx: Context, props: Record<string, PropertySchema>): Reply {
  const params = resourceParameters(ctx.query, props);
  const page = pageOf(items, params);
  if (page.length === 0) return { status: 204 };
  return {
    status: 200,
    body: page,
    headers: { 'x-pagination': paginationHeader(items.length, params, ctx.url) },
  };
}

export function requireBody(body: unknown): void {
  if (body === undefined || body === null || body === '') {
    throw new Problem(400, 'One or more validation errors occurred.', undefined, {
      '': ['A non-empty request body is required.'],
    });
  }
}

export const route = (method: string, path: string, handler: Route['handler']): Route => ({
  method,
  segments: path.split('/').filter(Boolean),
  handler,
});
