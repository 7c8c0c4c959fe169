/**
 * A property changed in both systems is decided by the conflict policy, and the decision is
 * visible: an engine event and the run summary (with the values), the change's diff (its
 * reason), one info log line (property, policy, winner and times — never the values), the
 * `mapping sync` text, and the service's live feed.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../engine/cli/report.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { Activity } from '../../engine/service/activity.ts';
import { bridgeEvents } from '../../engine/service/engine-adapter.ts';
import type { ConflictEvent } from '../../engine/service/ports.ts';
import type { ConflictDecision } from '../../engine/sync/events.ts';
import { customerMapping, makeEngine } from './helpers/setup.ts';

const alice = { id: '1', email: 'alice@example.com', first_name: 'Alice', last_name: 'A', billing: {} };

async function conflictRun(conflict: 'newest-wins' | 'source-wins' | 'manual') {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  const decisions: ConflictDecision[] = [];
  const { engine, shop, erp } = makeEngine([customerMapping({ conflict })], {
    logger,
    events: { conflictDecided: (d) => decisions.push(d) },
  });
  shop.system.seed('customer', [alice]);
  await engine.run();
  const erpId = erp.system.all('customer')[0]!.Id as string;
  shop.system.edit('customer', '1', (r) => {
    r.first_name = 'Shopname';
  });
  erp.system.edit('customer', erpId, (r) => {
    r.FirstName = 'Erpname';
  });
  const before = lines.length;
  const summary = await engine.run();
  return { summary, decisions, lines: lines.slice(before), erpId };
}

describe('conflict decisions', () => {
  it('newest-wins: an event and the summary carry the decision with values and times; the diff its reason', async () => {
    const { summary, decisions, erpId } = await conflictRun('newest-wins');
    const expected = {
      mapping: 'customer',
      sourceId: '1',
      targetId: erpId,
      property: 'FirstName',
      sourceValue: 'Shopname',
      targetValue: 'Erpname',
      winner: 'target',
      policy: 'newest-wins',
      sourceModifiedAt: expect.any(String),
      targetModifiedAt: expect.any(String),
    };
    expect(decisions).toEqual([expected]);
    expect(Date.parse(decisions[0]!.targetModifiedAt!)).toBeGreaterThan(
      Date.parse(decisions[0]!.sourceModifiedAt!),
    );
    expect(summary.mappings[0]!.conflicts).toEqual([expected]);
    const toSource = summary.mappings[0]!.changes.find((c) => c.direction === 'to-source')!;
    expect(toSource.diffs).toEqual([
      expect.objectContaining({
        path: 'FirstName',
        sourcePath: 'first_name',
        to: 'Erpname',
        reason: 'newest-wins',
      }),
    ]);
  });

  it('one info line per decision: property, policy, winner, times; never the values', async () => {
    const { lines, erpId } = await conflictRun('source-wins');
    const logged = lines.filter((l) => /conflict/.test(l));
    expect(logged).toHaveLength(1);
    const entry = JSON.parse(logged[0]!);
    expect(entry).toMatchObject({
      level: 30,
      mapping: 'customer',
      sourceId: '1',
      targetId: erpId,
      property: 'FirstName',
      policy: 'source-wins',
      winner: 'source',
    });
    expect(entry.msg).toMatch(
      /FirstName changed in both systems; source-wins: the source \(shop\) value wins/,
    );
    expect(logged[0]).not.toMatch(/Shopname|Erpname/);
  });

  it('manual: the decision says nobody won; the text summary names it without values', async () => {
    const { summary, decisions } = await conflictRun('manual');
    expect(decisions).toEqual([
      expect.objectContaining({ winner: 'none', policy: 'manual', property: 'FirstName' }),
    ]);
    const text = formatSummary(summary);
    expect(text).toMatch(/1 conflict\(s\) decided/);
    expect(text).toMatch(/customer 1 ↔ \d+: FirstName: manual → left for a person/);
    expect(text).not.toMatch(/Shopname|Erpname/);
  });

  it('the service feed shows a conflict entry with the winner and policy, no values', () => {
    const feed = new Activity({ now: () => Date.UTC(2026, 0, 1) });
    const conflicts: ConflictEvent[] = [];
    const engineEvents = bridgeEvents({
      record: () => {},
      conflict: (e) => {
        conflicts.push(e);
        feed.conflict(e);
      },
    });
    engineEvents.conflictDecided!({
      mapping: 'customer-person',
      sourceId: '69',
      targetId: '1000069',
      property: 'PhoneNumber',
      sourceValue: '+47 1',
      targetValue: '+47 2',
      winner: 'source',
      policy: 'newest-wins',
      sourceModifiedAt: '2026-01-01T00:00:03.000Z',
      targetModifiedAt: '2026-01-01T00:00:01.000Z',
    });
    expect(JSON.stringify(conflicts)).not.toMatch(/\+47/);
    expect(feed.recentFeed()).toEqual([
      {
        at: '2026-01-01T00:00:00.000Z',
        mapping: 'customer-person',
        side: 'source',
        id: '69',
        partnerId: '1000069',
        outcome: 'conflict',
        direction: 'to-target',
        properties: ['PhoneNumber'],
        winner: 'source',
        policy: 'newest-wins',
      },
    ]);
  });
});
