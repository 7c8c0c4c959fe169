/**
 * What this connector instance last saw PowerOffice Go say about a sales order's customer
 * and currency, and a customer's sub-ledger account, so the order-to-cash operations need
 * not read them again (issue 12: a payment read its invoice and its customer, a credit note
 * its original order, three reads per order on top of the least).
 *
 * Every sales order and customer the connector creates, updates, reads or lists passes
 * through `note`. Only facts are kept that the lifecycle does not change under us:
 * - a customer's `SubledgerAccountId` is read-only and never changes;
 * - a sales order's `CustomerId`, `CurrencyCode` and `CurrencyExchangeRate` are what the
 *   invoice operation hands on in its stored result (the order is locked from its invoice
 *   on). Before that a person may edit the draft in Go; the engine reads the order back
 *   when it changes, and that read refreshes the fact, so what the invoice carries is what
 *   the engine saw last, as for every other decision of the run.
 * A fact not known (another process made the record, a restart) is read: one GET.
 * Bounded (oldest first out), per connector instance, never shared between tenants.
 */
import type { EntityRecord } from '../types.ts';

/** The header facts of a sales order the lifecycle hands on. */
export type OrderFacts = {
  CustomerId: number;
  CurrencyCode: string;
  CurrencyExchangeRate: number | null;
};

const LIMIT = 20_000;

export class RecordFacts {
  private readonly orders = new Map<string, OrderFacts>();
  private readonly subledgers = new Map<string, number>();
  /** Invoices and credit notes this connector sent and saw posted, by id → the engine's pass. */
  private readonly posted = new Map<string, string>();

  /** The invoice (credit note) `id` was sent by this connector and posted, in `pass`. */
  notePosted(id: string, pass: string | undefined): void {
    if (pass !== undefined) put(this.posted, id.toLowerCase(), pass);
  }

  /**
   * Whether the invoice (credit note) `id` was sent and posted by this connector in this
   * same pass of the engine (OperationRequest.pass): then nobody can have settled it yet.
   */
  postedIn(id: string, pass: string | undefined): boolean {
    return pass !== undefined && this.posted.get(id.toLowerCase()) === pass;
  }

  /** Keep what `record` (a sales order or customer as Go returned it) says. */
  note(entity: string, record: EntityRecord | null | undefined): void {
    if (!record || record.Id === undefined || record.Id === null) return;
    const id = String(record.Id);
    if (entity === 'customer' && typeof record.SubledgerAccountId === 'number')
      put(this.subledgers, id, record.SubledgerAccountId);
    if (entity === 'salesorder') {
      const facts = orderFacts(record);
      if (facts) put(this.orders, id.toLowerCase(), facts);
    }
  }

  order(id: string): OrderFacts | undefined {
    return this.orders.get(id.toLowerCase());
  }

  subledgerOf(customerId: string): number | undefined {
    return this.subledgers.get(customerId);
  }
}

/** The facts of a sales order record (or of a stored invoice result), when all are there. */
export function orderFacts(record: Readonly<Record<string, unknown>>): OrderFacts | undefined {
  const customer = record.CustomerId;
  const currency = record.CurrencyCode;
  const rate = record.CurrencyExchangeRate;
  if (typeof customer !== 'number' || typeof currency !== 'string' || currency === '') return undefined;
  if (rate !== null && rate !== undefined && typeof rate !== 'number') return undefined;
  return { CustomerId: customer, CurrencyCode: currency, CurrencyExchangeRate: rate ?? null };
}

function put<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > LIMIT) map.delete(map.keys().next().value as string);
}
