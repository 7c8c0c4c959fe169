/**
 * The sandbox's data: one PowerOffice Go client held in memory (optionally persisted to a
 * JSON file). Records are stored in DTO shape with canonical PascalCase names; read-only
 * values that depend on other records (order totals, line VAT, stock available, customer
 * number on an order) are computed when a record is rendered. Stored records are never
 * changed in place: a change stores a new object, so the read replica can keep the old one.
 *
 * Fields starting with `_` are the sandbox's own bookkeeping (an order's invoicing state,
 * a ledger entry's match date) and never rendered.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { installClientSetup, type SalesSettings } from './client-setup.ts';
import { Clock } from './clock.ts';
import { RecordMap } from './record-map.ts';
import { Replica } from './replica.ts';
import { defaultInvoicing, defaultRules, type InvoicingSettings, type Rules } from './rules.ts';

export type Rec = Record<string, unknown>;

export interface Sequences {
  contactId: number;
  addressId: number;
  productId: number;
  customerNumber: number;
  salesOrderNo: number;
  contactPersonId: number;
  invoiceNo: number;
  voucherNo: number;
  ledgerEntryId: number;
  matchId: number;
  lineId: number;
}

const INITIAL: Sequences = {
  contactId: 1_000_000,
  addressId: 3_000_000,
  productId: 5_000_000,
  customerNumber: 9_999,
  salesOrderNo: 0,
  contactPersonId: 6_000_000,
  invoiceNo: 10_000,
  voucherNo: 0,
  ledgerEntryId: 8_000_000,
  matchId: 0,
  lineId: 9_000_000,
};

/** Fields the service keeps unique, indexed for constant-time checks (see record-map.ts). */
const UNIQUE = {
  customers: ['ExternalImportReference', 'Number', 'ExternalNumber', 'SubledgerAccountId'],
  products: ['Code'],
  orders: ['ExternalImportReference'],
  lines: [],
  contactPersons: ['ExternalCode'],
  invoices: ['InvoiceNo'],
  ledger: [],
  vouchers: ['ExternalImportReference'],
  accounts: ['AccountNo'],
  vatCodes: [],
} as const satisfies Record<string, readonly string[]>;

export type Collection = keyof typeof UNIQUE;
const COLLECTIONS = Object.keys(UNIQUE) as Collection[];

export class PowerOfficeState {
  readonly clock = new Clock();
  readonly replica = new Replica();
  customers!: RecordMap;
  products!: RecordMap;
  /** Sales order headers by id (uuid). */
  orders!: RecordMap;
  /** Sales order lines by id (uuid); each carries its SalesOrderId. */
  lines!: RecordMap;
  /** Contact persons by id; each carries its ContactId (the customer). */
  contactPersons!: RecordMap;
  /** Outgoing invoices and credit notes by id (the sales order's uuid), lines inside. */
  invoices!: RecordMap;
  /** Customer sub-ledger entries by id. */
  ledger!: RecordMap;
  /** Bank vouchers by id (uuid), lines inside. */
  vouchers!: RecordMap;
  /** General ledger accounts by id. */
  accounts!: RecordMap;
  vatCodes!: RecordMap;
  /** Currencies by code. */
  currencies = new Map<string, Rec>();
  /** Exchange rates set through the admin API, by `CODE:YYYY-MM-DD` (NOK per ExchangeBase). */
  rateOverrides = new Map<string, { ExchangeRate: number; ExchangeBase: number }>();
  /** Invoicing requests (createAndSendInvoice) by sales order id; see invoicing.ts. */
  sendJobs = new Map<string, Rec>();
  /** Ids of the send requests still being processed (so requests need not scan them all). */
  pendingSends = new Set<string>();
  salesSettings!: SalesSettings;
  vatSettings!: Rec;
  /** The strict behaviours that can be switched off (see rules.ts). */
  rules: Rules = defaultRules();
  /**
   * In-process tests only: runs when a PATCH has arrived, right before it is applied (the
   * request's path after `/v2`, e.g. `customers/123`), so a test can make an edit land
   * between a client's read and its write without depending on timing.
   */
  beforePatch: ((path: string) => void) | undefined;
  /** How long invoicing requests take (see rules.ts). */
  invoicing: InvoicingSettings = defaultInvoicing();
  seq: Sequences = { ...INITIAL };
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(private readonly persistFile?: string) {
    this.empty();
  }

  /** Fresh collections wired to the replica, and the client's standard setup. */
  private empty(entries: Partial<Record<Collection, Rec[]>> = {}): void {
    for (const name of COLLECTIONS) {
      this[name] = new RecordMap(
        UNIQUE[name],
        (entries[name] ?? []).map((r) => [String(r.Id), r]),
      );
    }
    this.currencies = new Map();
    this.rateOverrides = new Map();
    this.sendJobs = new Map();
    this.pendingSends = new Set();
    // A client always has its VAT codes and chart of accounts (older persisted files lack them).
    if ((entries.vatCodes ?? []).length === 0) installClientSetup(this);
    for (const name of COLLECTIONS)
      this[name].onWrite = (id, before) => this.replica.record(name, id, before);
  }

  /** Called after every change: schedules a save when persisting. */
  changed(): void {
    if (!this.persistFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, 50);
    this.saveTimer.unref();
  }

  nextId(kind: keyof Sequences): number {
    this.seq[kind] += 1;
    return this.seq[kind];
  }

  linesOf(orderId: string): Rec[] {
    return [...this.lines.values()]
      .filter((l) => l.SalesOrderId === orderId)
      .sort((a, b) => Number(a.SortOrder ?? 0) - Number(b.SortOrder ?? 0));
  }

  /**
   * The data as reads see it: this state itself, or — while the replica still hides
   * writes — a view whose collections show the records as they were before those writes.
   */
  readView(now = Date.now()): PowerOfficeState {
    if (!this.replica.hidesAnything(now)) return this;
    const view = Object.create(this) as PowerOfficeState;
    for (const name of COLLECTIONS)
      Object.defineProperty(view, name, { value: this.replica.view(name, this[name], now) });
    return view;
  }

  reset(): void {
    this.replica.catchUp();
    this.empty();
    this.seq = { ...INITIAL };
    this.rules = defaultRules();
    this.invoicing = defaultInvoicing();
    this.changed();
  }

  snapshot(): Rec {
    const out: Rec = {
      version: 2,
      clock: this.clock.lastTicks.toString(),
      seq: this.seq,
      currencies: [...this.currencies.values()],
      rateOverrides: [...this.rateOverrides.entries()],
      sendJobs: [...this.sendJobs.values()],
      salesSettings: this.salesSettings,
      vatSettings: this.vatSettings,
      rules: this.rules,
      invoicing: this.invoicing,
    };
    for (const name of COLLECTIONS) out[name] = [...this[name].values()];
    return out;
  }

  restore(data: Rec): void {
    const list = (key: string) => (Array.isArray(data[key]) ? (data[key] as Rec[]) : []);
    this.empty(Object.fromEntries(COLLECTIONS.map((name) => [name, list(name)])));
    if (Array.isArray(data.currencies) && data.currencies.length > 0)
      this.currencies = new Map(list('currencies').map((c) => [String(c.Code), c]));
    if (Array.isArray(data.rateOverrides)) this.rateOverrides = new Map(data.rateOverrides);
    this.sendJobs = new Map(list('sendJobs').map((j) => [String(j.Id), j]));
    for (const job of this.sendJobs.values())
      if (job.IsInvoiceBeingProcessed === true) this.pendingSends.add(String(job.Id));
    if (data.salesSettings) this.salesSettings = data.salesSettings as SalesSettings;
    if (data.vatSettings) this.vatSettings = data.vatSettings as Rec;
    if (data.rules) this.rules = { ...defaultRules(), ...(data.rules as Partial<Rules>) };
    if (data.invoicing)
      this.invoicing = { ...defaultInvoicing(), ...(data.invoicing as Partial<InvoicingSettings>) };
    this.seq = { ...INITIAL, ...(data.seq as Partial<Sequences>) };
    if (typeof data.clock === 'string') this.clock.lastTicks = BigInt(data.clock);
  }

  /** Load the persisted state; false when there is none yet. */
  load(): boolean {
    if (!this.persistFile) return false;
    try {
      this.restore(JSON.parse(readFileSync(this.persistFile, 'utf8')) as Rec);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  save(): void {
    if (!this.persistFile) return;
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    const tmp = `${this.persistFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.snapshot()));
    renameSync(tmp, this.persistFile);
  }
}
