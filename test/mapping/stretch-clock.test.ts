/**
 * The evaluator pool's clock (engine/mapping/evaluator/stretch-clock.ts) on made-up clocks:
 * a stretch is stopped once it had `limit` ms of the machine, or at the ceiling of wall time.
 */
import { describe, expect, it } from 'vitest';
import { StretchClock } from '../../engine/mapping/evaluator/stretch-clock.ts';

/** A wall clock and a CPU clock the test moves by hand. */
function clocks() {
  const t = { wall: 1_000, cpu: 50 };
  return { t, cpu: () => t.cpu, now: () => t.wall };
}

describe('the stretch clock', () => {
  it('on a quiet machine (CPU keeps up with the wall), stops at the limit', () => {
    const { t, cpu, now } = clocks();
    const clock = new StretchClock(2000, 20_000, cpu, now);
    clock.start();
    const startedAt = t.wall;
    t.wall += 1500;
    t.cpu += 1500;
    expect(clock.check(startedAt)).toEqual({ wait: 500 });
    t.wall += 500;
    t.cpu += 500;
    expect(clock.check(startedAt)).toEqual({ stop: 'limit' });
  });

  it('on a starved machine, waits for the CPU the stretch did not get, up to the ceiling', () => {
    const { t, cpu, now } = clocks();
    const clock = new StretchClock(2000, 20_000, cpu, now);
    clock.start();
    const startedAt = t.wall;
    // A tenth of a core: 2 s of wall, 200 ms of CPU.
    t.wall += 2000;
    t.cpu += 200;
    expect(clock.check(startedAt)).toEqual({ wait: 1800 });
    t.wall += 16_000;
    t.cpu += 1600;
    expect(clock.check(startedAt)).toEqual({ wait: 200 });
    t.wall += 2000;
    t.cpu += 100;
    expect(clock.check(startedAt)).toEqual({ stop: 'ceiling' });
  });

  it('never counts more than the wall time of the stretch, and a new item starts a new stretch', () => {
    const { t, cpu, now } = clocks();
    const clock = new StretchClock(2000, 20_000, cpu, now);
    clock.start();
    // Other threads burned CPU before this item began: what counts is at most its wall time.
    t.wall += 100;
    t.cpu += 3000;
    const item = t.wall;
    t.wall += 1000;
    t.cpu += 1000;
    expect(clock.check(item)).toEqual({ wait: 1000 });
    // The next item began after that look: CPU counts from the reading before it.
    const next = t.wall + 10;
    t.wall += 1500;
    t.cpu += 300;
    expect(clock.check(next)).toEqual({ wait: 1700 });
  });
});
