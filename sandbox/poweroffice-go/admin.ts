/**
 * PowerOffice-specific admin endpoints (loopback only, no vendor auth), next to the
 * request log and fault endpoints of sandbox/common:
 * - `POST /__admin/reset`: empty the client (then seed it again as at start)
 * - `POST /__admin/records/<entity>`: insert records (one or an array; admin-records.ts)
 * - `GET /__admin/state`: everything, rendered as the API would
 * - `PUT /__admin/rate-limit` `{ "rps": 10 }` or `{ "rps": false }`
 * - `POST /__admin/revoke-tokens`: invalidate every issued token
 * - `PUT /__admin/settings`: `problemDetailsCase`, `paginationHeader`, `replicaLagMs`,
 *   `isVatRegistered`, `rules` and `invoicing` (partial objects; see rules.ts)
 * - `PUT /__admin/currency-rates` `[{CurrencyCode, RateDate, ExchangeRate, ExchangeBase?}]`:
 *   the NOK rate of a currency on a business day
 * - `POST /__admin/replica/catch-up`: make every write visible to reads now
 * - `POST /__admin/invoicing/settle`: complete every pending invoicing request now
 */
import type { FastifyInstance } from 'fastify';
import { renderAccount } from './accounting.ts';
import { insertRecord } from './admin-records.ts';
import type { Settings } from './app.ts';
import type { TokenStore } from './auth.ts';
import { renderVoucher } from './bank-vouchers.ts';
import { renderContactPerson } from './contact-persons.ts';
import { renderCustomer } from './customers.ts';
import { parseDate } from './dates.ts';
import { isNumber } from './domain.ts';
import { settleInvoicing } from './invoicing.ts';
import { renderEntry } from './ledger-reports.ts';
import { renderInvoice } from './outgoing-invoices.ts';
import { Problem, problemBody } from './problem.ts';
import { renderProduct } from './products.ts';
import { defaultRules, type InvoicingSettings, type Rules } from './rules.ts';
import { renderOrder } from './sales-orders.ts';
import type { PowerOfficeState, Rec } from './state.ts';

export { insertRecord } from './admin-records.ts';

interface SettingsBody {
  problemDetailsCase?: string;
  paginationHeader?: boolean;
  replicaLagMs?: number;
  isVatRegistered?: boolean;
  rules?: Partial<Rules>;
  invoicing?: Partial<InvoicingSettings>;
}

/** Apply a settings body; a message for the first bad value. */
export function applySettings(
  state: PowerOfficeState,
  settings: Settings,
  body: SettingsBody,
): string | undefined {
  const c = body.problemDetailsCase;
  if (c !== undefined && c !== 'lower' && c !== 'pascal') return 'problemDetailsCase: lower | pascal';
  if (body.replicaLagMs !== undefined && !(isNumber(body.replicaLagMs) && body.replicaLagMs >= 0))
    return 'replicaLagMs: a number of milliseconds ≥ 0';
  const known = Object.keys(defaultRules());
  for (const [k, v] of Object.entries(body.rules ?? {})) {
    if (!known.includes(k) || typeof v !== 'boolean')
      return `rules.${k}: one of ${known.join(', ')}, true or false`;
  }
  const inv = body.invoicing ?? {};
  if (inv.pollsUntilDone !== undefined && !(Number.isInteger(inv.pollsUntilDone) && inv.pollsUntilDone >= 0))
    return 'invoicing.pollsUntilDone: an integer ≥ 0';
  if (inv.processingMs !== undefined && !(isNumber(inv.processingMs) && inv.processingMs >= 0))
    return 'invoicing.processingMs: milliseconds ≥ 0';
  if (
    inv.deliveryFailure !== undefined &&
    inv.deliveryFailure !== null &&
    typeof inv.deliveryFailure !== 'string'
  )
    return 'invoicing.deliveryFailure: a message or null';
  if (c !== undefined) settings.problemCase = c;
  if (typeof body.paginationHeader === 'boolean') settings.paginationHeader = body.paginationHeader;
  if (body.replicaLagMs !== undefined) state.replica.lagMs = body.replicaLagMs;
  if (typeof body.isVatRegistered === 'boolean')
    state.vatSettings = { ...state.vatSettings, IsVatRegistered: body.isVatRegistered };
  state.rules = { ...state.rules, ...body.rules };
  state.invoicing = { ...state.invoicing, ...inv };
  return undefined;
}

function currentSettings(state: PowerOfficeState, settings: Settings): Rec {
  return {
    problemDetailsCase: settings.problemCase,
    paginationHeader: settings.paginationHeader,
    rateLimit: settings.rateLimit,
    replicaLagMs: state.replica.lagMs,
    isVatRegistered: state.vatSettings.IsVatRegistered,
    rules: state.rules,
    invoicing: state.invoicing,
  };
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
    contactpersons: [...state.contactPersons.values()].map(renderContactPerson),
    products: [...state.products.values()].map((p) => renderProduct(state, p)),
    salesorders: [...state.orders.values()].map((o) => renderOrder(state, o, true)),
    outgoinginvoices: [...state.invoices.values()].map((i) => ({
      ...renderInvoice(state, i),
      Lines: i.Lines,
    })),
    ledger: [...state.ledger.values()].map((e) => renderEntry(state, e)),
    bankvouchers: [...state.vouchers.values()].map(renderVoucher),
    sendstates: [...state.sendJobs.values()],
    accounts: [...state.accounts.values()].map((a) => renderAccount(state, a)),
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

  app.put<{ Body: SettingsBody }>('/__admin/settings', async (request, reply) => {
    const error = applySettings(state, settings, request.body ?? {});
    if (error) return reply.code(400).send({ error });
    state.changed();
    return currentSettings(state, settings);
  });

  app.put<{ Body: Array<Record<string, unknown>> }>('/__admin/currency-rates', async (request, reply) => {
    const rates = Array.isArray(request.body) ? request.body : [request.body];
    for (const r of rates) {
      const code = typeof r?.CurrencyCode === 'string' ? r.CurrencyCode.toUpperCase() : '';
      const date = parseDate(r?.RateDate);
      const base = r?.ExchangeBase ?? 1;
      if (
        !state.currencies.has(code) ||
        !date ||
        !isNumber(r?.ExchangeRate) ||
        !(r.ExchangeRate > 0) ||
        (base !== 1 && base !== 100)
      )
        return reply.code(400).send({
          error:
            'each rate: {CurrencyCode (known), RateDate (YYYY-MM-DD), ExchangeRate > 0, ExchangeBase 1 | 100}',
        });
      state.rateOverrides.set(`${code}:${date}`, {
        ExchangeRate: r.ExchangeRate,
        ExchangeBase: base as number,
      });
    }
    state.changed();
    return { ok: true };
  });

  app.post('/__admin/replica/catch-up', async () => {
    state.replica.catchUp();
    return { ok: true };
  });

  app.post('/__admin/invoicing/settle', async () => {
    settleInvoicing(state, Date.now(), true);
    return { ok: true };
  });
}
