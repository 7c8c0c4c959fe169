/**
 * A faithful local WooCommerce wc/v3 (customers, orders, products, webhooks), in memory,
 * optionally persisted to a JSON file. See docs/woocommerce.md for what it does and where
 * it deliberately differs from a real shop.
 *
 * ```ts
 * const shop = await startWooCommerceSandbox({ seed: { count: 40, seed: 7 } });
 * // shop.url, shop.consumerKey, shop.consumerSecret, shop.webhookSecret … shop.close()
 * ```
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultConfig, FaultInjector } from '../common/faults.ts';
import type { RequestLog } from '../common/request-log.ts';
import { createSandboxApp, listenLoopback, type StatusFault } from '../common/server.ts';
import { SlidingWindowLimit } from '../common/sliding-window.ts';
import { registerAdmin } from './admin.ts';
import { type ApiKey, Authenticator, generateKey } from './auth.ts';
import type { Query } from './collection.ts';
import { signedUrl } from './oauth.ts';
import { render, route } from './routes.ts';
import { type SeedOptions, seedShop } from './seed.ts';
import { Shop } from './shop.ts';
import { loadData, saveData } from './state.ts';
import { WebhookHub } from './webhooks.ts';
import { noRoute, WpError } from './wp-error.ts';

export interface WooSandboxOptions {
  /** Port to listen on (default 0 = any free port). */
  port?: number;
  /** Host to bind (default 127.0.0.1). */
  host?: string;
  /** Serve HTTPS with this key/certificate (PEM). */
  https?: { key: string; cert: string };
  /** Generate a deterministic shop at start (ignored when `persistFile` already holds data); options in seed.ts. */
  seed?: SeedOptions;
  faults?: FaultConfig;
  /** Load state from and save it to this JSON file. */
  persistFile?: string;
  /** The read_write key pair and webhook secret (random when absent); `readOnly` adds a read-only pair. */
  credentials?: {
    consumerKey?: string;
    consumerSecret?: string;
    webhookSecret?: string;
    readOnly?: boolean | { consumerKey: string; consumerSecret: string };
  };
  /** Server-side limit in requests per second (WooCommerce has none; hosts and WAFs do). */
  rateLimit?: number;
  /** Site timezone as a fixed offset from UTC in minutes (default 60). */
  utcOffsetMinutes?: number;
  /** Delay before a webhook job runs; changes within it coalesce (default 250 ms). */
  webhookDelayMs?: number;
  /**
   * Largest REST request body in bytes (default 1 MiB: nginx's `client_max_body_size`
   * default, the limit most shops run with; PHP's own `post_max_size` is 8M). A larger one
   * is answered 413 with nginx's page, as in front of a real shop.
   */
  bodyLimit?: number;
  /** Accept HTTP Basic over plain HTTP like WooCommerce test set-ups (default true). */
  basicOverHttp?: boolean;
  /** Clock (tests). */
  now?: () => Date;
}

export interface WooSandbox {
  /** Shop base URL (`http://127.0.0.1:PORT`): the connector's `url`. */
  url: string;
  /** `url` + `/wp-json/wc/v3`. */
  apiUrl: string;
  consumerKey: string;
  consumerSecret: string;
  webhookSecret: string;
  readOnlyKey?: { consumerKey: string; consumerSecret: string };
  adminUrl: string;
  app: FastifyInstance;
  state: Shop;
  hub: WebhookHub;
  log: RequestLog;
  faults: FaultInjector;
  close(): Promise<void>;
}

export function renderFault(kind: StatusFault, reply: FastifyReply): FastifyReply {
  if (kind === '429') {
    return reply
      .code(429)
      .header('retry-after', '1')
      .type('application/json; charset=UTF-8')
      .send({
        code: 'too_many_requests',
        message: 'Too many requests. Please wait 1 seconds before trying again.',
        data: { status: 429 },
      });
  }
  if (kind === '500') {
    return reply
      .code(500)
      .type('application/json; charset=UTF-8')
      .send({
        code: 'internal_server_error',
        message:
          '<p>There has been a critical error on this website.</p><p><a href="https://wordpress.org/documentation/article/faq-troubleshooting/">Learn more about troubleshooting WordPress.</a></p>',
        data: { status: 500 },
        additional_errors: [],
      });
  }
  return nginxPage(reply, Number(kind));
}

const NGINX_TITLES: Record<number, string> = {
  413: '413 Request Entity Too Large',
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
};

/** The HTML page nginx (in front of PHP) answers with. */
function nginxPage(reply: FastifyReply, status: number): FastifyReply {
  const title = NGINX_TITLES[status] ?? String(status);
  return reply
    .code(status)
    .type('text/html')
    .send(
      `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
    );
}

/**
 * A query string parsed the way PHP fills `$_GET`: a repeated plain key keeps its last
 * value, `key[]` collects an array. (The official JS client repeats its query parameters
 * after the OAuth ones; PHP, and so WooCommerce's signature check, sees each once.)
 */
export function phpQuery(search: string): Query {
  const out: Query = {};
  for (const part of search.replace(/^\?/, '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decode(part.slice(eq + 1));
    if (key.endsWith('[]')) {
      const name = key.slice(0, -2);
      const existing = out[name];
      out[name] = [...(Array.isArray(existing) ? existing : existing !== undefined ? [existing] : []), value];
    } else {
      out[key] = value;
    }
  }
  return out;
}

export const API_BODY_LIMIT = 1024 * 1024;

export async function startWooCommerceSandbox(options: WooSandboxOptions = {}): Promise<WooSandbox> {
  const { app, faults, log } = createSandboxApp({
    renderFault,
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.https ? { https: options.https } : {}),
  });
  const rw = generateKey('read_write');
  const key: ApiKey = {
    consumerKey: options.credentials?.consumerKey ?? rw.consumerKey,
    consumerSecret: options.credentials?.consumerSecret ?? rw.consumerSecret,
    permissions: 'read_write',
  };
  const keys: ApiKey[] = [key];
  const ro = options.credentials?.readOnly;
  if (ro) keys.push(ro === true ? generateKey('read') : { ...ro, permissions: 'read' });
  const webhookSecret = options.credentials?.webhookSecret ?? randomBytes(24).toString('base64url');

  const scheme = options.https ? 'https' : 'http';
  const shop = new Shop({
    siteUrl: '',
    ...(options.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: options.utcOffsetMinutes } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const hub = new WebhookHub(
    shop,
    (resource, id) => {
      const record = shop.find(resource, id);
      return record ? render(shop, resource, record) : undefined;
    },
    options.webhookDelayMs ?? 250,
  );
  shop.onChange = (resource, event, id) => hub.notify(resource, event, id);

  // Persistence: load, and save shortly after every change.
  let saveTimer: NodeJS.Timeout | undefined;
  const persist = options.persistFile;
  const loaded = persist && existsSync(persist) ? loadData(persist) : undefined;
  if (loaded) shop.data = loaded;
  if (persist) {
    shop.onMutate = () => {
      if (saveTimer) return;
      saveTimer = setTimeout(() => {
        saveTimer = undefined;
        saveData(persist, shop.data);
      }, 50);
    };
  }

  const auth = new Authenticator(
    () => keys,
    () => options.now?.() ?? new Date(),
    options.basicOverHttp ?? true,
  );
  const limit = options.rateLimit ? new SlidingWindowLimit(options.rateLimit) : undefined;

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new WpError('rest_invalid_json', 'Invalid JSON body passed.', 400), undefined);
    }
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    },
  );
  app.setErrorHandler((error, _request, reply) => {
    // A body over the front server's limit never reaches PHP: nginx answers it.
    if ((error as { statusCode?: number }).statusCode === 413) return nginxPage(reply, 413);
    const wp =
      error instanceof WpError
        ? error
        : new WpError('internal_server_error', 'There has been a critical error on this website.', 500);
    reply.code(wp.status).type('application/json; charset=UTF-8').send(wp.body());
  });
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).type('application/json; charset=UTF-8').send(noRoute().body());
  });

  if (limit) {
    app.addHook('onRequest', async (request, reply) => {
      if (request.url.startsWith('/__admin')) return;
      const wait = limit.hit('all');
      if (wait > 0) {
        return reply
          .code(429)
          .header('retry-after', String(Math.max(1, Math.ceil(wait / 1000))))
          .type('application/json; charset=UTF-8')
          .send({ code: 'too_many_requests', message: 'Too many requests.', data: { status: 429 } });
      }
    });
  }

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(request.url, `${scheme}://${request.headers.host ?? '127.0.0.1'}`);
    const query = phpQuery(url.search);
    const restRoute = url.pathname.startsWith('/wp-json')
      ? url.pathname.slice('/wp-json'.length) || '/'
      : typeof query.rest_route === 'string'
        ? query.rest_route
        : undefined;
    if (restRoute === undefined) {
      return reply
        .type('text/html')
        .send('<!doctype html><title>WooCommerce sandbox</title><h1>WooCommerce sandbox</h1>');
    }
    const override =
      (request.headers['x-http-method-override'] as string | undefined) ??
      (query._method as string | undefined);
    const method = request.method === 'POST' && override ? override.toUpperCase() : request.method;
    const form =
      String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') &&
      typeof request.body === 'object'
        ? (request.body as Record<string, string>)
        : {};
    try {
      const caller = auth.authenticate({
        method: request.method,
        https: scheme === 'https',
        // WooCommerce signs home_url(path): the site root is signed without its slash.
        baseUrl: signedUrl(url.origin, url.pathname),
        query: query as Record<string, string | string[]>,
        form,
        ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      });
      auth.checkPermission(caller, method);
      const result = route(
        { shop, hub, webhookSecret },
        { method, route: restRoute, query, body: request.body, authenticated: caller !== undefined, url },
      );
      reply.code(result.status).type('application/json; charset=UTF-8');
      if (result.headers) reply.headers(result.headers);
      return reply.send(JSON.stringify(result.body));
    } catch (error) {
      if (!(error instanceof WpError)) throw error;
      return reply
        .code(error.status)
        .type('application/json; charset=UTF-8')
        .send(JSON.stringify(error.body()));
    }
  };
  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
  const bodyLimit = options.bodyLimit ?? API_BODY_LIMIT;
  app.route({ method: [...methods], url: '/wp-json', handler: handle, bodyLimit });
  app.route({ method: [...methods], url: '/wp-json/*', handler: handle, bodyLimit });
  app.route({ method: [...methods], url: '/', handler: handle, bodyLimit });
  registerAdmin(app, shop, hub);

  const url = (await listenLoopback(app, options.port ?? 0, options.host ?? '127.0.0.1')).replace(/\/$/, '');
  (shop.settings as { siteUrl: string }).siteUrl = url;
  if (!loaded && options.seed) {
    seedShop(shop, options.seed);
    shop.onMutate();
  }
  // Products' permalinks were computed before the URL was known.
  for (const p of shop.data.products) p.permalink = `${url}/product/${p.slug}/`;

  const readOnly = keys.find((k) => k.permissions === 'read');
  return {
    url,
    apiUrl: `${url}/wp-json/wc/v3`,
    consumerKey: key.consumerKey,
    consumerSecret: key.consumerSecret,
    webhookSecret,
    ...(readOnly
      ? { readOnlyKey: { consumerKey: readOnly.consumerKey, consumerSecret: readOnly.consumerSecret } }
      : {}),
    adminUrl: `${url}/__admin`,
    app,
    state: shop,
    hub,
    log,
    faults,
    async close() {
      await hub.close();
      if (saveTimer) clearTimeout(saveTimer);
      if (persist) saveData(persist, shop.data);
      await app.close();
    },
  };
}

export type { FaultConfig };
