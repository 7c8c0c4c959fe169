/**
 * The SQLite store deleted under a running sync (issue 9 item 5): runs used to go on
 * reporting ok, writing into the unlinked file, everything lost at the next start. Against
 * both real sandboxes: the run stops at its first store call after the deletion ("store
 * unavailable"), and only the writes already in flight then reach a system.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../engine/sync/events.ts';
import { type Pair, startPair } from './helpers/pair.ts';

describe('e2e: the store file deleted during a sync', () => {
  let pair: Pair;
  let summary: RunSummary;
  let mark: { woo: number; po: number } | undefined;

  beforeAll(async () => {
    pair = await startPair({ shop: { count: 60, seed: 17 }, rateLimit: 20 });
    const file = join(pair.dir, 'state.sqlite');
    const opened = await pair.open({
      events: {
        recordProcessed: (event) => {
          if (mark || event.outcome !== 'created') return;
          // The first record is linked: the file goes away under the open store.
          for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
          mark = pair.mark();
        },
      },
    });
    try {
      summary = await opened.engine.run();
    } finally {
      await opened.close().catch(() => {});
    }
  }, 120_000);

  afterAll(async () => {
    await pair?.close();
  });

  it('stops the run at once, saying the store file was deleted', () => {
    expect(mark).toBeDefined();
    expect(summary.ok).toBe(false);
    expect(summary.storeError).toMatch(/store file .*state\.sqlite was deleted while mapsync had it open/);
  });

  it('sends nothing after the deletion but what was already in flight', () => {
    // At most the records in flight (6 workers) finish their request.
    const after = pair.writes(mark!).po.filter((r) => r.method === 'POST');
    expect(after.length).toBeLessThanOrEqual(6);
    const before = pair.requests().po.filter((r) => r.method === 'POST').length - after.length;
    // 60 customers, 15 products and their orders would have been created otherwise.
    expect(before + after.length).toBeLessThan(20);
  });
});
