/**
 * A mapping test proves what the engine sends (issue 10, "one payload path"): for every case
 * of the shipped customer mappings' test files that a single sync can reproduce (direction
 * to-target, no `$link` stubs, no extra variables), the payload `mapsync test` computes
 * (`caseOutput`, the function `mapsync test` runs) equals the body of the create the sync
 * engine sends for the same record, and a case `when` excludes makes the engine create
 * nothing. The systems are memory systems standing in for WooCommerce and PowerOffice Go
 * with the real kinds' entity descriptors, so the shipped YAML and JSONata compile and run
 * exactly as in the service.
 *
 * `mapsync test` also runs the engine's check of the copied source values against the source
 * entity's schema (engine/sync/source-values.ts), so a case whose input the source could not
 * hold fails there as the engine fails the record; every shipped case here must match.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { connectors } from '../../engine/connectors/index.ts';
import { MemoryConnector } from '../../engine/connectors/memory/connector.ts';
import { MemorySystem } from '../../engine/connectors/memory/index.ts';
import type { Connector, EntityRecord } from '../../engine/connectors/types.ts';
import { inProcessEvaluator } from '../../engine/mapping/evaluate.ts';
import { loadProject, type Project } from '../../engine/mapping/project.ts';
import type { MappingTestCase } from '../../engine/mapping/testing/load-tests.ts';
import { caseOutput } from '../../engine/mapping/testing/run-tests.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { createRuntime } from '../../engine/runtime.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { SyncEngine } from '../../engine/sync/engine.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MAPPINGS = ['customer-person', 'customer-company'];

let project: Project;
beforeAll(async () => {
  project = await loadProject({
    configPath: 'mapsync.yaml',
    env: {},
    requireEnv: false,
    registry: connectors,
    cwd: REPO,
  });
});

/** A memory system with the entities (and their descriptors) of a registered kind. */
function standIn(kind: 'woocommerce' | 'poweroffice-go'): MemorySystem {
  const idField = kind === 'woocommerce' ? 'id' : 'Id';
  let next = 5000;
  return new MemorySystem({
    kind,
    entities: Object.fromEntries(
      Object.entries(connectors.get(kind)!.entities).map(([name, descriptor]) => [
        name,
        { idField, descriptor },
      ]),
    ),
    newId: () => next++,
  });
}

/** The cases one sync of the source record reproduces. */
function reproducibleCases(mapping: string): MappingTestCase[] {
  const file = parse(readFileSync(`${REPO}mappings/${mapping}.test.yaml`, 'utf8')) as {
    cases: Array<Record<string, unknown>>;
  };
  return file.cases
    .filter(
      (c) =>
        (c.direction ?? 'to-target') === 'to-target' && !c.links && !c.variables && !c.fetched && !c.check,
    )
    .map((c) => ({
      name: String(c.name),
      direction: 'to-target',
      input: c.input as Record<string, unknown>,
      links: {},
      variables: {},
      fetched: [],
      expect: { kind: 'skipped' },
      position: { line: 1, col: 1 },
    }));
}

async function engineCreate(mapping: string, input: Record<string, unknown>) {
  const reasons: string[] = [];
  const shop = standIn('woocommerce');
  const po = standIn('poweroffice-go');
  const entity = project.mappings.find((m) => m.name === mapping)!.source.entity;
  shop.seed(entity, [input as EntityRecord]);
  const engine = new SyncEngine({
    mappings: project.mappings,
    connectors: new Map<string, Connector>([
      ['woocommerce', new MemoryConnector(shop)],
      ['poweroffice-go', new MemoryConnector(po)],
    ]),
    store: openStore('memory://'),
    runtime: createRuntime({ logger: createLogger({ level: 'silent' }) }),
    evaluator: inProcessEvaluator,
    events: {
      recordProcessed(e) {
        if (e.outcome === 'failed') reasons.push(`${e.code}: ${e.reason}`);
      },
    },
  });
  const summary = await engine.run({ mappings: [mapping], mode: 'full' });
  return { summary, sent: po.lastCreate, reasons };
}

describe('mapsync test computes the payload the engine sends', () => {
  for (const mapping of MAPPINGS) {
    const cases = reproducibleCases(mapping);
    it(`${mapping}: ${cases.length} cases, the same payload through the sync engine`, async () => {
      expect(cases.length).toBeGreaterThan(3);
      const compiled = project.mappings.find((m) => m.name === mapping)!;
      for (const testCase of cases) {
        const expected = await caseOutput(inProcessEvaluator, compiled, testCase);
        const { summary, sent, reasons } = await engineCreate(mapping, testCase.input);
        expect(reasons, testCase.name).toEqual([]);
        expect(summary.ok, testCase.name).toBe(true);
        if ((expected as { skipped?: boolean }).skipped) expect(sent, testCase.name).toBeUndefined();
        else expect(sent?.data, testCase.name).toEqual(expected);
      }
    });
  }
});
