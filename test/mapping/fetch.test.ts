/**
 * `$fetch(side, name, args)`: a lookup of the mapping's source or target system that
 * depends on the record (PowerOffice Go's `currency-rate`). At validate time the side and
 * name must be literals the side's connector kind declares (MAP_FETCH_ARGUMENTS,
 * MAP_UNKNOWN_LOOKUP, with a hint); at run time it is answered on the main thread, also for
 * an expression evaluated in a worker, and the engine asks once per run for the same
 * system, name and arguments, a failure included (engine/sync/lookups.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/connectors/errors.ts';
import { connectors } from '../../engine/connectors/index.ts';
import type { Connector } from '../../engine/connectors/types.ts';
import { checkFiles } from '../../engine/mapping/check-files.ts';
import { mappingEvaluator } from '../../engine/mapping/evaluate.ts';
import { EvaluatorPool } from '../../engine/mapping/evaluator/pool.ts';
import { loadMappings } from '../../engine/mapping/load.ts';
import type { EvaluationContext } from '../../engine/mapping/model.ts';
import { RunLookups } from '../../engine/sync/lookups.ts';

const schemasDir = fileURLToPath(new URL('../../schemas/', import.meta.url));

const mapping = (expression: string) => `version: 1
name: salesorder
source: { system: woocommerce, entity: order }
target: { system: poweroffice-go, entity: salesorder }
direction: one-way
identity: { target: ExternalImportReference }
properties:
  - { source: id, target: ExternalImportReference, type: string }
  - target: CurrencyExchangeRate
    to_target: |
      ${expression}
`;

function write(expression: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-fetch-'));
  writeFileSync(join(dir, 'salesorder.yaml'), mapping(expression));
  return dir;
}

async function check(expression: string) {
  const { diagnostics } = await checkFiles(['.'], {
    registry: connectors,
    schemasDir,
    cwd: write(expression),
  });
  return diagnostics.map((d) => [d.code, d.line, d.col, d.message]);
}

const RATE = `$fetch('target', 'currency-rate', {"from": currency, "to": "NOK", "date": "2026-01-15"}).rate`;

it('accepts a lookup the side declares', async () => {
  expect(await check(RATE)).toEqual([]);
});

it('names a lookup the side does not declare where it is written, with the closest name', async () => {
  expect(await check(RATE.replace('currency-rate', 'currency-rates'))).toEqual([
    [
      'MAP_UNKNOWN_LOOKUP',
      11,
      7,
      expect.stringContaining(
        'poweroffice-go has no lookup "currency-rates" (did you mean "currency-rate"?); lookups: currency-rate',
      ),
    ],
  ]);
  expect((await check(RATE.replace("'target'", "'source'")))[0]?.[3]).toContain(
    "the source system offers no lookups ($fetch('source', 'currency-rate', …))",
  );
});

it('wants the side and the name as quoted literals', async () => {
  expect((await check(`$fetch(side, 'currency-rate', {})`)).map((d) => d[0])).toEqual([
    'MAP_FETCH_ARGUMENTS',
  ]);
});

const pool = new EvaluatorPool({ size: 1 });
afterAll(() => pool.close());

it('is answered on the main thread, in a worker too, and fails without a system', async () => {
  const loaded = await loadMappings(['.'], {
    registry: connectors,
    schemasDir,
    // A `~>` chain is not bounded: this expression is evaluated in a worker.
    cwd: write(`(${RATE}) ~> $string()`),
  });
  expect(loaded.diagnostics).toEqual([]);
  const compiled = loaded.mappings[0]!;
  const asked: unknown[] = [];
  const ctx: EvaluationContext = {
    link: async () => undefined,
    fetch: async (...call) => {
      asked.push(call);
      return { rate: 11.52 };
    },
  };
  const evaluator = mappingEvaluator(pool);
  const values = await evaluator.valuesForTarget(compiled, { id: 7, currency: 'EUR' }, ctx);
  expect(values.get('CurrencyExchangeRate')).toBe(11.52);
  expect(asked).toEqual([['target', 'currency-rate', { from: 'EUR', to: 'NOK', date: '2026-01-15' }]]);
  await expect(
    evaluator.valuesForTarget(compiled, { id: 7, currency: 'EUR' }, { link: async () => undefined }),
  ).rejects.toThrow(/no system is connected/);
});

it('the engine asks once per run for the same system, name and arguments, a failure included', async () => {
  const calls: unknown[] = [];
  const po = {
    lookups: {
      lookup: async (name: string, args: Readonly<Record<string, unknown>>) => {
        calls.push([name, args]);
        if (args.from === 'GBP')
          throw new ConnectorError('currency GBP is not active', { system: 'po', kind: 'validation' });
        return { rate: 11.5 };
      },
    },
  } as unknown as Connector;
  const run = new RunLookups(new Map([['po', po]]));
  const eur = { from: 'EUR', to: 'NOK', date: '2026-01-15' };
  const answers = await Promise.all([
    run.fetch('po', 'currency-rate', eur),
    run.fetch('po', 'currency-rate', { date: '2026-01-15', to: 'NOK', from: 'EUR' }),
    run.fetch('po', 'currency-rate', eur),
  ]);
  expect(answers).toEqual([{ rate: 11.5 }, { rate: 11.5 }, { rate: 11.5 }]);
  const gbp = { ...eur, from: 'GBP' };
  await expect(run.fetch('po', 'currency-rate', gbp)).rejects.toThrow(/GBP is not active/);
  await expect(run.fetch('po', 'currency-rate', gbp)).rejects.toThrow(/GBP is not active/);
  await run.fetch('po', 'currency-rate', { ...eur, date: '2026-01-16' });
  expect(calls).toEqual([
    ['currency-rate', eur],
    ['currency-rate', gbp],
    ['currency-rate', { ...eur, date: '2026-01-16' }],
  ]);
  // A new run asks again (a rate published since is seen).
  await new RunLookups(new Map([['po', po]])).fetch('po', 'currency-rate', eur);
  expect(calls).toHaveLength(4);
  await expect(new RunLookups(new Map()).fetch('shop', 'x', {})).rejects.toThrow(/shop answers no lookups/);
});
