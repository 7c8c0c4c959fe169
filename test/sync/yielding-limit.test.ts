/**
 * A run gives way to I/O between records (engine/sync/yielding-limit.ts): found by `npm run
 * fuzz`, where records whose awaits resolved at once ran a page as one synchronous stretch
 * and `/healthz` waited for all of it. Here everything is in memory (no I/O at all), the
 * worst case: a callback queued with setImmediate, standing for a health request, must still
 * run while the run goes on, again and again, not once after it.
 */
import { describe, expect, it } from 'vitest';
import { customerMapping, makeEngine } from './helpers/setup.ts';

describe('a run and the event loop', () => {
  it('lets queued I/O callbacks run between records, even when every await resolves at once', async () => {
    const processed: number[] = [];
    let turns = 0;
    const { engine, shop } = makeEngine([customerMapping()], {
      events: { recordProcessed: () => processed.push(turns) },
    });
    shop.system.seed(
      'customer',
      Array.from({ length: 200 }, (_, i) => ({
        id: String(i + 1),
        email: `c${i}@example.com`,
        first_name: 'C',
        last_name: String(i),
        billing: {},
      })),
    );
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const summary = await engine.run();
    running = false;
    expect(summary.ok).toBe(true);
    expect(processed).toHaveLength(200);
    // The loop turned between the records: 4 at a time, so at least one turn per 4 records
    // (without the yield the 200 records run in a handful of turns).
    const distinct = new Set(processed).size;
    expect(distinct).toBeGreaterThanOrEqual(50);
  });
});
