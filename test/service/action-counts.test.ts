/**
 * The status page's per-action tallies (issue 12: "how many orders are invoiced, paid,
 * refunded"): counted from the actions stored on the links, per action name — records it is
 * done for, and operations made (per-item actions such as `credit-note:refund-812` count
 * under `credit-note`, one per refund).
 */
import { describe, expect, it } from 'vitest';
import { storeReads } from '../../engine/service/engine-adapter.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { type ActionState, type LinkRecord, MappingState } from '../../engine/store/sync-state.ts';

const done = (result: Record<string, unknown>): ActionState => ({
  doneAt: '2026-01-01T00:00:00.000Z',
  result,
  locks: false,
  writtenBackAt: '2026-01-01T00:00:01.000Z',
});

const link = (id: string, actions?: Record<string, ActionState>, virtual = false): LinkRecord => ({
  v: 1,
  sourceId: id,
  targetId: `po-${id}`,
  base: {} as LinkRecord['base'],
  origin: 'created-in-target',
  linkedAt: '2026-01-01T00:00:00.000Z',
  syncedAt: '2026-01-01T00:00:00.000Z',
  ...(actions ? { actions } : {}),
  ...(virtual ? { virtual } : {}),
});

describe('action counts from stored action results', () => {
  it('counts per action the records it is done for and the operations made', async () => {
    const store = openStore('memory://');
    const state = new MappingState('salesorder', store);
    await state.putLink(link('1', { invoice: done({ InvoiceNo: 10001 }) }));
    await state.putLink(
      link('2', {
        invoice: done({ InvoiceNo: 10002 }),
        'credit-note:refund-7': done({ CreditNoteNo: 10003 }),
        'credit-note:refund-8': done({ CreditNoteNo: 10004 }),
      }),
    );
    await state.putLink(link('3', { 'delete-draft': done({}) }));
    await state.putLink(link('4'));
    await state.putLink(link('guest-5', { invoice: done({ InvoiceNo: 1 }) }, true));
    const reads = storeReads([{ name: 'salesorder', members: ['salesorder', 'salesorderline'] }], store);
    const counts = await reads.actionCounts('salesorder');
    expect(counts.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'credit-note', records: 1, made: 2 },
      { name: 'delete-draft', records: 1, made: 1 },
      { name: 'invoice', records: 2, made: 2 },
    ]);
    expect(await reads.actionCounts('customer-person')).toEqual([]);
    await store.close();
  });
});
