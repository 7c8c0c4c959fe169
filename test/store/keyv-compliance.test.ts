/**
 * keyv's own compliance suite (@keyv/test-suite, the one every official keyv adapter runs)
 * against the SQLite store's adapter (engine/store/sqlite-adapter.ts). The adapter replaces
 * @keyv/sqlite for speed (statements prepared once), so it must keep @keyv/sqlite's contract
 * with keyv: get/set/delete/clear/has, getMany/setMany/deleteMany, namespaces, iteration,
 * values of every type keyv serialises. Our own contract (contract.ts) covers the store
 * layout on top of keyv; this covers the layer below.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import Keyv from 'keyv';
import * as vitest from 'vitest';
import { SqliteAdapter } from '../../engine/store/sqlite-adapter.ts';

const dir = mkdtempSync(join(tmpdir(), 'mapsync-keyv-compliance-'));
// A new adapter (connection) per Keyv, as keyv's own adapters run the suite: keyv sets the
// namespace on its adapter, so one adapter shared by two namespaces would mix them.
const opened: SqliteAdapter[] = [];
const store = () => {
  const adapter = new SqliteAdapter({ uri: `sqlite://${join(dir, 'compliance.sqlite')}`, busyTimeout: 3000 });
  opened.push(adapter);
  return adapter;
};

keyvTestSuite(vitest, Keyv, store);
keyvIteratorTests(vitest, Keyv, store);

vitest.afterAll(async () => {
  await Promise.all(opened.map((adapter) => adapter.disconnect()));
  rmSync(dir, { recursive: true, force: true });
});
