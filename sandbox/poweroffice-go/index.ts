/**
 * A local PowerOffice Go v2 for development and tests: `startPowerOfficeSandbox()` starts
 * one on loopback and returns the URLs and keys to point the connector at. See
 * docs/poweroffice-go.md ("The sandbox") for what it models and where it deliberately
 * differs from the real service.
 *
 * API base `<root>/v2` (also `<root>/Demo/v2`), token endpoint `<root>/OAuth/Token` (also
 * `<root>/Demo/OAuth/Token`), admin endpoints under `<root>/__admin`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FaultConfig, FaultInjector } from '../common/faults.ts';
import type { RequestLog } from '../common/request-log.ts';
import { listenLoopback } from '../common/server.ts';
import { registerAdmin } from './admin.ts';
import { buildApp, type Settings } from './app.ts';
import { type Credentials, DEFAULT_CREDENTIALS, type TokenStore } from './auth.ts';
import type { ProblemCase } from './problem.ts';
import type { InvoicingSettings, Rules } from './rules.ts';
import { applySeed, type SeedOptions } from './seed.ts';
import { PowerOfficeState } from './state.ts';

export interface PowerOfficeSandboxOptions {
  /** Port to listen on (default 0 = any free port). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Requests per second per subscription key, token calls included (default 10); false = no limit. */
  rateLimit?: number | false;
  /** Initial fault injection (latency, 429/5xx, resets, timeouts, `tokenLifetimeSeconds`…). */
  faults?: FaultConfig;
  /** Pre-existing data; false = start completely empty (not even FRAKT/GEBYR). */
  seed?: SeedOptions | false;
  /** Keep the data in this JSON file (loaded at start when it exists; seeding is skipped then). */
  persistFile?: string;
  /** The keys the sandbox accepts (defaults: fixed development values). */
  credentials?: Partial<Credentials>;
  /** Casing of ProblemDetails properties (default lower, as ASP.NET Core writes them). */
  problemDetailsCase?: ProblemCase;
  /** Send the X-Pagination header (undocumented in the real API) on lists (default true). */
  paginationHeader?: boolean;
  /** Observe every incoming request (tests: headers a client sent). */
  onRequest?: (request: FastifyRequest) => void;
  /** Strict behaviours to switch (see rules.ts; defaults: all on but activeCurrenciesOnly). */
  rules?: Partial<Rules>;
  /** How invoicing requests progress (see rules.ts). */
  invoicing?: Partial<InvoicingSettings>;
  /** Reads lag this many ms behind writes, as PowerOffice's read replica does (default 0). */
  replicaLagMs?: number;
}

export interface PowerOfficeSandbox {
  /** API base, ending in `/v2` (the connector's `url`). */
  url: string;
  /** Token endpoint (the connector's `token_url`; also its default for `url`). */
  tokenUrl: string;
  applicationKey: string;
  clientKey: string;
  subscriptionKey: string;
  /** `<root>/__admin`. */
  adminUrl: string;
  app: FastifyInstance;
  state: PowerOfficeState;
  log: RequestLog;
  faults: FaultInjector;
  settings: Settings;
  tokens: TokenStore;
  close(): Promise<void>;
}

export async function startPowerOfficeSandbox(
  options: PowerOfficeSandboxOptions = {},
): Promise<PowerOfficeSandbox> {
  const credentials: Credentials = { ...DEFAULT_CREDENTIALS, ...options.credentials };
  const state = new PowerOfficeState(options.persistFile);
  const configure = () => {
    state.rules = { ...state.rules, ...options.rules };
    state.invoicing = { ...state.invoicing, ...options.invoicing };
  };
  // Seeding goes through the rules (a reset seeds again with the start options).
  const seed = () => {
    configure();
    applySeed(state, options.seed);
  };
  if (!state.load()) seed();
  else configure();
  state.replica.lagMs = options.replicaLagMs ?? 0;
  const settings: Settings = {
    rateLimit: options.rateLimit ?? 10,
    problemCase: options.problemDetailsCase ?? 'lower',
    paginationHeader: options.paginationHeader ?? true,
  };
  const built = buildApp(state, credentials, settings, options.faults);
  registerAdmin(built.app, state, settings, built.tokens, seed);
  const observe = options.onRequest;
  if (observe) built.app.addHook('onRequest', async (request) => observe(request));
  const root = await listenLoopback(built.app, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url: `${root}/v2`,
    tokenUrl: `${root}/OAuth/Token`,
    ...credentials,
    adminUrl: `${root}/__admin`,
    app: built.app,
    state,
    log: built.log,
    faults: built.faults,
    settings,
    tokens: built.tokens,
    async close() {
      state.save();
      await built.app.close();
    },
  };
}

export type { Credentials } from './auth.ts';
export type { InvoicingSettings, Rules } from './rules.ts';
export type { SeedOptions } from './seed.ts';
