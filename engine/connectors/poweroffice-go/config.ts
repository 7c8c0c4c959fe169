// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VARIABLE} references are mapsync.yaml syntax, not templates
/**
 * The PowerOffice Go connector's options: one fragment (types, ranges, defaults, secrets,
 * help text) from which the generated mapsync.schema.json, the options' type and their
 * reader all derive. The three keys are secrets: they come from the environment and never
 * appear in error messages.
 */
import { baseUrlOf, httpUrlProblems, optionsReader } from '../options.ts';
import type { OptionsOf } from '../spec.ts';
import { paymentAccountProblems, paymentAccountsOption } from './payment-table.ts';

/** An income (sales) account number. */
const INCOME_ACCOUNT = { type: 'integer', minimum: 3000, maximum: 3999 } as const;

export const options = {
  type: 'object',
  required: ['url', 'application_key', 'client_key', 'subscription_key'],
  properties: {
    url: {
      type: 'string',
      title: 'API base URL',
      description:
        'API base ending in /v2: production https://goapi.poweroffice.net/v2, demo https://goapi.poweroffice.net/Demo/v2.',
      examples: ['${POWEROFFICE_BASE_URL:-https://goapi.poweroffice.net/v2}'],
    },
    token_url: {
      type: 'string',
      title: 'Token URL',
      description:
        'OAuth token endpoint. Default: the API base with its trailing /v2 replaced by /OAuth/Token.',
      examples: ['https://goapi.poweroffice.net/OAuth/Token'],
    },
    application_key: {
      type: 'string',
      writeOnly: true,
      title: 'Application key',
      description: "The integration's application key (OAuth client id).",
      examples: ['${POWEROFFICE_APPLICATION_KEY}'],
    },
    client_key: {
      type: 'string',
      writeOnly: true,
      title: 'Client key',
      description: "The client's (tenant's) key for this integration (OAuth client secret).",
      examples: ['${POWEROFFICE_CLIENT_KEY}'],
    },
    subscription_key: {
      type: 'string',
      writeOnly: true,
      title: 'Subscription key',
      description: 'API Management subscription key (Ocp-Apim-Subscription-Key).',
      examples: ['${POWEROFFICE_SUBSCRIPTION_KEY}'],
    },
    rate_limit: {
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      default: 10,
      title: 'Rate limit',
      description:
        'Requests per second for this subscription key, shared by every client using it (default 10).',
      examples: [10],
    },
    page_size: {
      type: 'integer',
      minimum: 1,
      maximum: 20_000,
      default: 1000,
      title: 'Page size',
      description: 'Records per listing request, 1–20000 (default 1000).',
      examples: [1000],
    },
    timeout_ms: {
      type: 'integer',
      minimum: 100,
      maximum: 600_000,
      default: 30_000,
      title: 'Request timeout',
      description: 'Whole-request timeout in milliseconds (default 30000).',
      examples: [30000],
    },
    connect_timeout_ms: {
      type: 'integer',
      minimum: 100,
      maximum: 120_000,
      default: 5000,
      title: 'Connect timeout',
      description: 'Connect timeout in milliseconds (default 5000).',
      examples: [5000],
    },
    overlap_seconds: {
      type: 'number',
      minimum: 0,
      maximum: 86_400,
      default: 5,
      title: 'Listing overlap',
      description:
        'How far before the cursor incremental listings start, in seconds (default 5): reads come from a replica that can lag about a second behind writes, so a change can show up after a later one. What the overlap lists again is skipped unless it changed.',
      examples: [5],
    },
    customer_changes: {
      type: 'string',
      enum: ['scan', 'filter'],
      default: 'scan',
      title: 'Customer change detection',
      description:
        '`scan` (default): list every customer and keep those changed past the cursor, including address-only changes; `filter`: trust the server-side lastChanged filter alone (cheaper).',
      examples: ['scan'],
    },
    currencies: {
      type: 'string',
      enum: ['active', 'known'],
      default: 'active',
      title: 'Currencies written',
      description:
        "`active` (default): a sales order or customer whose CurrencyCode is not active on the client fails with the code and the active ones, and is not sent; `known`: any currency PowerOffice Go knows (the API accepts inactive ones; only Go's GUI is limited to active ones).",
      examples: ['active'],
    },
    payment_accounts: paymentAccountsOption,
    sales_accounts: {
      type: 'object',
      title: 'Sales account of each tax class',
      description:
        'WooCommerce tax class (its slug; "" = the standard class, required) → the PowerOffice Go income account (3000–3999) whose VAT code has the rate the shop charges for the class. Mappings read it as $target_settings.sales_account_of_tax_class; the shipped mappings check it against the client\'s accounts and the shop\'s rates at the start of every run (CONFIG_MISMATCH). Default: the standard Norwegian chart (3000 25 %, 3030 15 %, 3020 12 %, 3100 0 %).',
      properties: {
        '': {
          ...INCOME_ACCOUNT,
          title: 'Standard class',
          description:
            'The income account of the standard tax class (3000–3999; 3000 in the standard chart).',
        },
      },
      additionalProperties: INCOME_ACCOUNT,
      required: [''],
      default: { '': 3000, 'reduced-rate': 3030, 'low-rate': 3020, 'zero-rate': 3100 },
      examples: [{ '': 3000, 'reduced-rate': 3030, 'low-rate': 3020, 'zero-rate': 3100 }],
    },
  },
} as const;

export type PowerOfficeGoOptions = OptionsOf<typeof options>;

export function check(o: Partial<PowerOfficeGoOptions>): string[] {
  const problems = [...httpUrlProblems('url', o.url), ...httpUrlProblems('token_url', o.token_url)];
  if (o.url !== undefined && problems.length === 0 && !/\/v2$/i.test(baseUrlOf(o.url))) {
    problems.push('"url" must be the API base ending in /v2');
  }
  for (const p of paymentAccountProblems(o.payment_accounts)) problems.push(p.message);
  return problems;
}

export interface ResolvedConfig {
  /** API base without a trailing slash, ending in `/v2`. */
  apiUrl: string;
  tokenUrl: string;
  applicationKey: string;
  clientKey: string;
  subscriptionKey: string;
  rateLimit: number;
  pageSize: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  overlapMs: number;
  customerChanges: 'scan' | 'filter';
  currencies: 'active' | 'known';
  /** Payment method id → account number (payment-accounts.ts). */
  paymentAccounts: Readonly<Record<string, number>>;
  /** Tax class → income account number (`sales_accounts`). */
  salesAccounts: Readonly<Record<string, number>>;
}

/** What the connector works with, derived from checked options. */
export function resolve(o: PowerOfficeGoOptions): ResolvedConfig {
  const apiUrl = baseUrlOf(o.url);
  return {
    apiUrl,
    tokenUrl: o.token_url ? baseUrlOf(o.token_url) : apiUrl.replace(/\/v2$/i, '/OAuth/Token'),
    applicationKey: o.application_key,
    clientKey: o.client_key,
    subscriptionKey: o.subscription_key,
    rateLimit: o.rate_limit,
    pageSize: o.page_size,
    timeoutMs: o.timeout_ms,
    connectTimeoutMs: o.connect_timeout_ms,
    overlapMs: o.overlap_seconds * 1000,
    customerChanges: o.customer_changes,
    currencies: o.currencies,
    paymentAccounts: o.payment_accounts,
    salesAccounts: { ...o.sales_accounts },
  };
}

/** Read and resolve a raw options block (as the registry does; for direct use and tests). */
export function resolveConfig(raw: Record<string, unknown>): ResolvedConfig {
  return resolve(optionsReader({ kind: 'poweroffice-go', options, check })(raw));
}
