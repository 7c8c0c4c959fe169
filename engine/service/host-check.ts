/**
 * Every route answers only requests addressed to this service (DNS rebinding): a page on
 * attacker.example whose name the attacker re-points at 127.0.0.1 makes the victim's browser
 * send same-origin requests to the service, with `Host: attacker.example`. A request is
 * answered when its `Host` names
 * - an IP address (a rebinding needs a name; a request addressed by IP was meant for it),
 * - `localhost` (browsers resolve it themselves, never through DNS), or
 * - a name listed in `service.hosts`: the public name behind a reverse proxy that keeps the
 *   Host header (where WooCommerce delivers webhooks), or the name given to `--host`.
 * Anything else gets 421 Misdirected Request, before any route runs.
 */
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** Distinct refused names logged (a probe with random names must not flood the log). */
const LOGGED_NAMES = 100;

/** The host name of a `Host` header value (`[::1]:8080` → `::1`), lower case, no final dot. */
export function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const text = header.trim().toLowerCase();
  const name = text.startsWith('[') ? text.slice(1, text.indexOf(']')) : text.replace(/:\d*$/, '');
  return name.replace(/\.$/, '') || undefined;
}

export function hostAllowed(header: string | undefined, names: ReadonlySet<string>): boolean {
  const name = hostName(header);
  if (name === undefined) return false;
  return isIP(name) !== 0 || name === 'localhost' || names.has(name);
}

export function hostCheck(app: FastifyInstance, names: ReadonlySet<string>, logger: Logger): void {
  const logged = new Set<string>();
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.host;
    if (hostAllowed(header, names)) return;
    const name = hostName(header) ?? '';
    if (logged.size < LOGGED_NAMES && !logged.has(name)) {
      logged.add(name);
      logger.warn(
        { host: name.slice(0, 100), url: request.url.split('?')[0] },
        'request refused: its Host is not an address of this service (add it to service.hosts if it is)',
      );
    }
    return reply
      .code(421)
      .send({ error: 'this service does not answer for that host name (see service.hosts in mapsync.yaml)' });
  });
}
