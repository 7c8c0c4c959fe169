/**
 * The API's routes (below `/v2`) and what each answers. Paths match case-insensitively, as
 * ASP.NET routing does; id segments must satisfy the route constraint (int64 or uuid), or
 * the route does not match (404).
 */
import { validIntId, validUuid } from './domain.ts';
import type { Route } from './route-kit.ts';
import { CORE_ROUTES } from './routes-core.ts';
import { LEDGER_ROUTES } from './routes-ledger.ts';

export type { Context, Reply, Route } from './route-kit.ts';

export const ROUTES: Route[] = [...CORE_ROUTES, ...LEDGER_ROUTES];

export type Match = { route: Route; params: Record<string, string> } | 'method-not-allowed' | undefined;

/** Find the route for a method and the segments after `/v2`. */
export function matchRoute(method: string, segments: string[]): Match {
  let pathMatched = false;
  for (const r of ROUTES) {
    if (r.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const fits = r.segments.every((pattern, i) => {
      const seg = segments[i]!;
      if (!pattern.startsWith(':')) return pattern === seg.toLowerCase();
      const [name, constraint] = pattern.slice(1).split('#');
      if (constraint === 'int' && !validIntId(seg)) return false;
      if (constraint === 'uuid' && !validUuid(seg)) return false;
      params[name!] =
        constraint === 'uuid' ? seg.toLowerCase() : constraint === 'int' ? BigInt(seg).toString() : seg;
      return true;
    });
    if (!fits) continue;
    pathMatched = true;
    if (r.method === method) return { route: r, params };
  }
  return pathMatched ? 'method-not-allowed' : undefined;
}
