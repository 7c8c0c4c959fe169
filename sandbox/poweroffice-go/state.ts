/**
 * The sandbox's data: one PowerOffice Go client held in memory (optionally persisted to a
 * JSON file). Records are stored in DTO shape with canonical PascalCase names; read-only
 * values that depend on other records (order totals, stock available, customer number on
 * an order) are computed when a record is rendered.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Clock } from './clock.ts';
import { RecordMap } from './record-map.ts';

export type Rec = Record<string, unknown>;

export interface Sequences {
  contactId: number;
  addressId: number;
  productId: number;
  customerNumber: number;
  salesOrderNo: number;
}

const INITIAL: Sequences = {
  contactId: 1_000_000,
  addressId: 3_000_000,
  productId: 5_000_000,
  customerNumber: 9_999,
  salesOrderNo: 0,
};

/** Fields the service keeps unique, indexed for constant-time checks (see record-map.ts). */
const UNIQUE = {
  customers: ['ExternalImportReference', 'Number', 'ExternalNumber'],
  products: ['Code'],
  orders: ['ExternalImportReference'],
} as const;

export class PowerOfficeState {
  readonly clock = new Clock();
  customers = new RecordMap(UNIQUE.customers);
  products = new RecordMap(UNIQUE.products);
  /** Sales order headers by id (uuid). */
  orders = new RecordMap(UNIQUE.orders);
  /** Sales order lines by id (uuid); each carries its SalesOrderId. */
  lines = new Map<string, Rec>();
  seq: Sequences = { ...INITIAL };
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(private readonly persistFile?: string) {}

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

  reset(): void {
    this.customers.clear();
    this.products.clear();
    this.orders.clear();
    this.lines.clear();
    this.seq = { ...INITIAL };
    this.changed();
  }

  snapshot(): Rec {
    return {
      version: 1,
      clock: this.clock.lastTicks.toString(),
      seq: this.seq,
      customers: [...this.customers.values()],
      products: [...this.products.values()],
      orders: [...this.orders.values()],
      lines: [...this.lines.values()],
    };
  }

  restore(data: Rec): void {
    const list = (key: string) => (Array.isArray(data[key]) ? (data[key] as Rec[]) : []);
    this.customers = new RecordMap(
      UNIQUE.customers,
      list('customers').map((r) => [String(r.Id), r]),
    );
    this.products = new RecordMap(
      UNIQUE.products,
      list('products').map((r) => [String(r.Id), r]),
    );
    this.orders = new RecordMap(
      UNIQUE.orders,
      list('orders').map((r) => [String(r.Id), r]),
    );
    this.lines = new Map(list('lines').map((r) => [String(r.Id), r]));
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
