/**
 * The currency of what is written to PowerOffice Go (issue 9, item 3). `GET /Currencies`
 * lists every currency Go knows with `IsActive` (activated by the client). The API itself
 * takes any known currency — "active" only matters in Go's GUI — but a sales order in a
 * currency the client has not activated is one the bookkeeper cannot work with there, and an
 * unknown code (a shop's typo, a made-up code) is refused by Go anyway. So a sales order or
 * customer whose `CurrencyCode` is not active is never sent: it fails as `validation`
 * naming the code and the active ones (the option `currencies: known` relaxes this to
 * "known to Go"). The list is read at most once per 5 minutes (an activation in Go is seen
 * within that time; a failed record is retried with `mapsync retry`).
 */
import { ConnectorError } from '../errors.ts';
import { cachedRunSettings } from '../run-settings-cache.ts';
import type { EntityRecord, PatchOperation } from '../types.ts';
import type { PowerOfficeApi } from './api.ts';
import { SYSTEM } from './errors.ts';
import { listAll } from './sales-accounts.ts';

export type CurrencyPolicy = 'active' | 'known';

/** Entities whose `CurrencyCode` is checked. */
const CHECKED = new Set(['salesorder', 'customer']);

/** The longest code a reason quotes (a hostile record may carry anything there). */
const QUOTED = 12;

interface Currencies {
  readonly active: readonly string[];
  readonly known: ReadonlySet<string>;
}

export class CurrencyCheck {
  private readonly list;

  constructor(
    api: PowerOfficeApi,
    now: () => Date,
    private readonly policy: CurrencyPolicy,
  ) {
    this.list = cachedRunSettings(async (signal) => {
      const records = await listAll(api, 'Currencies', {}, signal);
      const code = (r: Record<string, unknown>) => String(r.Code ?? r.code ?? '').toUpperCase();
      const active = records
        .filter((r) => (r.IsActive ?? r.isActive) === true)
        .map(code)
        .sort();
      return { active, known: new Set(records.map(code)) } satisfies Currencies;
    }, now);
  }

  /**
   * The codes a record may have under the policy (active ones; every known one with
   * `currencies: known`), sorted: the run setting `currencies`. Shares the list's cache.
   */
  async allowed(options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<string[]> {
    const { active, known } = (await this.list.read(options)) as unknown as Currencies;
    return this.policy === 'known' ? [...known].filter((c) => c !== '').sort() : [...active];
  }

  /** Throws a `validation` ConnectorError when a record to create has a currency it may not have. */
  async checkCreate(entity: string, data: EntityRecord, signal?: AbortSignal): Promise<void> {
    if (CHECKED.has(entity) && 'CurrencyCode' in data) await this.check(entity, data.CurrencyCode, signal);
  }

  /** The same for the operations of an update that set `/CurrencyCode`. */
  async checkUpdate(entity: string, ops: readonly PatchOperation[], signal?: AbortSignal): Promise<void> {
    if (!CHECKED.has(entity)) return;
    for (const op of ops) {
      if ((op.op === 'add' || op.op === 'replace') && op.path === '/CurrencyCode') {
        await this.check(entity, op.value, signal);
      }
    }
  }

  /**
   * Why `code` (an ISO 4217 code) may not be used under the policy, or undefined when it may:
   * for the lookup of a rate (currency-rates.ts), whose message names the code unquoted.
   */
  async refusal(code: string, signal?: AbortSignal): Promise<string | undefined> {
    const { active, known } = (await this.list.read(signal ? { signal } : {})) as unknown as Currencies;
    if (active.includes(code) || (this.policy === 'known' && known.has(code))) return undefined;
    return known.has(code)
      ? `${code} is not active on the PowerOffice Go client (active: ${active.join(', ') || 'none'}); activate it in PowerOffice Go, then retry the record`
      : `${code} is not a currency PowerOffice Go knows (active: ${active.join(', ') || 'none'})`;
  }

  private async check(entity: string, value: unknown, signal?: AbortSignal): Promise<void> {
    // Nothing given: Go takes the customer's currency, else the client's.
    if (value === undefined || value === null || value === '') return;
    const { active, known } = (await this.list.read(signal ? { signal } : {})) as unknown as Currencies;
    const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
    if (active.includes(code) || (this.policy === 'known' && known.has(code))) return;
    const text = String(value);
    const quoted = JSON.stringify(text.length > QUOTED ? `${text.slice(0, QUOTED)}…` : text);
    const why = known.has(code)
      ? 'is not active on the PowerOffice Go client'
      : 'is not a currency PowerOffice Go knows';
    const hint = known.has(code) ? '; activate it in PowerOffice Go, then retry the record' : '';
    throw new ConnectorError(
      `${SYSTEM}: ${entity} currency ${quoted} ${why} (active: ${active.join(', ') || 'none'})${hint}`,
      { system: SYSTEM, kind: 'validation', fields: { CurrencyCode: why } },
    );
  }
}
