/**
 * A failed record is logged once, not at every run (issue 9 item 4, fuzz follow-up): a
 * source the engine lists in full on every poll (the shop's customers here, PowerOffice's
 * customer scan in the service) retried its failed records at every run, and each retry
 * wrote the same "record failed" line again (622 lines for a few products in 4 minutes of
 * `npm run fuzz`). Now a failure is logged at info when it is news — the record's first
 * failure, another code or reason, another version of the record — and at debug otherwise;
 * the failed record in the store still counts every attempt. No line carries a value.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../engine/observability/logger.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { CUSTOMER_YAML, customerMapping, makeEngine, systems } from './helpers/setup.ts';
import { compileYaml } from './helpers/yaml.ts';

function capture(level: 'info' | 'debug') {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const logger = createLogger({ level, destination, pretty: false });
  const failedLines = () => lines.filter((l) => String(l.msg).startsWith('record failed:'));
  return { logger, lines, raw, failedLines };
}

// Personal values: none of them may reach a log line.
const BAD_EMAIL = 'ingrid.tagged-7731.example.no';
const carol = {
  id: '3',
  email: BAD_EMAIL,
  first_name: 'Ingrid7731',
  last_name: 'Tagged',
  billing: { city: 'Vadsø' },
};
const alice = {
  id: '1',
  email: 'alice@example.com',
  first_name: 'Alice',
  last_name: 'A',
  billing: { city: 'Oslo' },
};

describe('the failure log', () => {
  it('logs an unchanged record that fails the same way once, however many runs retry it', async () => {
    const log = capture('info');
    const { engine, shop, store } = makeEngine([customerMapping()], { logger: log.logger });
    shop.system.seed('customer', [alice, carol]);
    for (let run = 0; run < 4; run++) {
      // Every record due now, as a full scan lists it on every run anyway.
      const summary = await engine.run({ retryAllNow: true });
      expect(summary.mappings[0]!.counts.failed).toBe(1);
    }
    expect(log.failedLines()).toHaveLength(1);
    expect(log.failedLines()[0]).toMatchObject({ mapping: 'customer', side: 'source', id: '3' });
    // The store still counts every attempt.
    const failed = await new MappingState('customer', store).getFailed('source', '3');
    expect(failed?.attempts).toBe(4);
    expect(failed?.version).toBeDefined();
    for (const line of log.raw) {
      expect(line).not.toContain('7731');
      expect(line).not.toContain('Vadsø');
    }
  });

  it('logs it again when the record changed, or when it fails for another reason', async () => {
    const log = capture('info');
    const { engine, shop, erp } = makeEngine([customerMapping()], { logger: log.logger });
    shop.system.seed('customer', [carol]);
    await engine.run({ retryAllNow: true });
    await engine.run({ retryAllNow: true });
    expect(log.failedLines()).toHaveLength(1);

    // Edited, still invalid: a new version of the record, logged once more.
    shop.system.edit('customer', '3', (r) => {
      r.email = 'still.no.at.sign-7731';
    });
    await engine.run({ retryAllNow: true });
    await engine.run({ retryAllNow: true });
    expect(log.failedLines()).toHaveLength(2);

    // Unchanged, failing for another reason (the target refuses it): logged.
    erp.system.failNext('create', 'customer', 'validation', 'customer refused');
    erp.system.failNext('create', 'customer', 'validation', 'customer refused');
    shop.system.edit('customer', '3', (r) => {
      r.email = 'ingrid-7731@example.no';
    });
    await engine.run({ retryAllNow: true });
    expect(log.failedLines()).toHaveLength(3);
    expect(log.failedLines()[2]!.code).not.toBe(log.failedLines()[1]!.code);
    for (const line of log.raw) expect(line).not.toContain('7731');
  });

  it('says at debug level that the record failed again, with its attempts', async () => {
    const log = capture('debug');
    const { engine, shop } = makeEngine([customerMapping()], { logger: log.logger });
    shop.system.seed('customer', [carol]);
    await engine.run({ retryAllNow: true });
    await engine.run({ retryAllNow: true });
    const again = log.lines.filter((l) => l.msg === 'record failed again, unchanged');
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ level: 20, mapping: 'customer', id: '3', attempts: 2 });
  });

  it("a mapping's report that fails is logged by its code and reason, without the value JSONata quotes", async () => {
    const [withReport] = await compileYaml(
      { customer: `${CUSTOMER_YAML}report: '"customer " & $string($number(first_name))'\n` },
      systems(),
    );
    const log = capture('info');
    const { engine, shop } = makeEngine([withReport!], { logger: log.logger });
    shop.system.seed('customer', [{ ...alice, first_name: 'Alice7731' }]);
    expect((await engine.run()).mappings[0]!.counts.created).toBe(1);
    const line = log.lines.find((l) => String(l.msg).includes('its report could not be evaluated'));
    expect(line).toMatchObject({ level: 40, mapping: 'customer', code: 'MAP_EVAL_ERROR' });
    expect(String(line!.msg)).toContain('"…"');
    for (const raw of log.raw) expect(raw).not.toContain('7731');
  });
});
