/**
 * PowerOffice-specific admin endpoints (loopback only, no vendor auth), next to the
 * request log and fault endpoints of sandbox/common:
 * - `POST /__admin/reset`: empty the client (then seed it again as at start)
 * - `POST /__admin/records/<entity>`: insert records (one or an array) bypassing the API,
 *   its auth, rate limit and log; read-only values may be given (e.g. an exact
 *   LastChangedDateTimeOffset), the rest are computed. Lines need `SalesOrderId`.
 * - `GET /__admin/state`: everything, rendered as the API would
 * - `PUT /__admin/rate-limit` `{ "rps": 10 }` or `{ "rps": false }`
 * - `POST /__admin/revoke-tokens`: invalidate every issued token
 * - `PUT /__admin/client` `{ "active": false }`: the client removed the integration (tokens
 *   refused with `invalid_client` until `{ "active": true }`)
 * - `PUT /__admin/settings` `{ "problemDetailsCase": "lower" | "pascal", "paginationHeader": bool }`
 */
import type { FastifyInstance } from 'fastify';
import type { Settings } from './app.ts';
import type { TokenStore } from './auth.ts';
import { createCustomer, renderCustomer } from './customers.ts';
import { Problem, problemBody } from './problem.ts';
import { createProduct, renderProduct } from './products.ts';
import { createLine, createOrder, renderLine, renderOrder } from './sales-orders.ts';
import { rawProperty } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';

const ALIASES: Record<string, string> = {
  customer: 'customer',
  customers: 'customer',
  product: 'product',
  products: 'product',
  salesorder: 'salesorder',
  salesorders: 'salesorder',
  salesorderline: 'salesorderline',
  salesorderlines: 'salesorderline',
};

export function insertRecord(state: PowerOfficeState, entity: string, input: unknown): Rec {
  switch (ALIASES[entity.toLowerCase()]) {
    case 'customer':
      return renderCustomer(createCustomer(state, input, { admin: true }));
    case 'product':
      return renderProduct(state, createProduct(state, input, { admin: true }));
    case 'salesorder':
      return renderOrder(state, createOrder(state, input, { admin: true }), true);
    case 'salesorderline': {
      const orderId = rawProperty(input, 'SalesOrderId');
      if (typeof orderId !== 'string') throw new Problem(400, 'Invalid record', 'A line needs SalesOrderId.');
      return renderLine(state, createLine(state, orderId.toLowerCase(), input, { admin: true }));
    }
    default:
      throw new Problem(
        404,
        'Unknown entity',
        `No entity "${entity}" (customer, product, salesorder, salesorderline).`,
      );
  }
}

export function registerAdmin(
  app: FastifyInstance,
  state: PowerOfficeState,
  settings: Settings,
  tokens: TokenStore,
  reseed: () => void,
): void {
  app.post('/__admin/reset', async () => {
    state.reset();
    reseed();
    return { ok: true };
  });

  app.post<{ Params: { entity: string } }>('/__admin/records/:entity', async (request, reply) => {
    const items = Array.isArray(request.body) ? request.body : [request.body];
    try {
      return items.map((item) => insertRecord(state, request.params.entity, item));
    } catch (error) {
      if (error instanceof Problem)
        return reply.code(error.status).send(problemBody(error, request.url, 'lower'));
      throw error;
    }
  });

  app.get('/__admin/state', async () => ({
    customers: [...state.customers.values()].map(renderCustomer),
    products: [...state.products.values()].map((p) => renderProduct(state, p)),
    salesorders: [...state.orders.values()].map((o) => renderOrder(state, o, true)),
  }));

  app.put<{ Body: { rps?: number | false } }>('/__admin/rate-limit', async (request, reply) => {
    const rps = request.body?.rps;
    if (rps !== false && (typeof rps !== 'number' || !(rps > 0))) {
      return reply.code(400).send({ error: 'rps must be a positive number or false' });
    }
    settings.rateLimit = rps;
    return { rateLimit: settings.rateLimit };
  });

  app.post('/__admin/revoke-tokens', async () => {
    tokens.revokeAll();
    return { ok: true };
  });

  app.put<{ Body: { active?: unknown } }>('/__admin/client', async (request, reply) => {
    if (typeof request.body?.active !== 'boolean')
      return reply.code(400).send({ error: 'active: true | false' });
    tokens.setClientActive(request.body.active);
    return { active: request.body.active };
  });

  app.put<{ Body: { problemDetailsCase?: string; paginationHeader?: boolean } }>(
    '/__admin/settings',
    async (request, reply) => {
      if (typeof request.body?.paginationHeader === 'boolean')
        settings.paginationHeader = request.body.paginationHeader;
      const c = request.body?.problemDetailsCase;
      if (c !== undefined) {
        if (c !== 'lower' && c !== 'pascal')
          return reply.code(400).send({ error: 'problemDetailsCase: lower | pascal' });
        settings.problemCase = c;
      }
      return {
        problemDetailsCase: settings.problemCase,
        paginationHeader: settings.paginationHeader,
        rateLimit: settings.rateLimit,
      };
    },
  );
}
