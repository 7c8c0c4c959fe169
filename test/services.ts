/**
 * The real PostgreSQL and Redis of the development and CI machines (127.0.0.1, docs/fleet.md).
 * Tests that need one ask here: when it is not there they are skipped with the reason printed
 * (so `npm test` passes on a machine without them); .ci/run starts both, so CI runs them.
 *
 * Every test run uses its own names (a PostgreSQL schema, a Redis key prefix): other
 * engineers run their tests against the same servers at the same time.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

export const POSTGRES_URL = process.env.MAPSYNC_TEST_POSTGRES ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.MAPSYNC_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** A name no other test run uses: `<what>_<pid>_<random>` (lowercase, PostgreSQL-safe). */
export function uniqueName(what: string): string {
  return `${what}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

async function probe(name: string, check: () => Promise<void>): Promise<string | undefined> {
  try {
    await check();
    return undefined;
  } catch (error) {
    const reason = `${name} is not available (${error instanceof Error ? error.message : String(error)})`;
    // CI (.ci/run) starts both services and sets this: there a missing service is a failure.
    if (process.env.MAPSYNC_REQUIRE_SERVICES)
      throw new Error(`${reason}, and MAPSYNC_REQUIRE_SERVICES is set`);
    console.warn(`SKIPPED: tests that need ${reason}; .ci/run starts it`);
    return reason;
  }
}

/** Undefined when PostgreSQL answers, else why not (printed). */
export function postgresMissing(): Promise<string | undefined> {
  return probe(`PostgreSQL at ${POSTGRES_URL}`, async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => {});
    }
  });
}

/** Undefined when Redis answers, else why not (printed). */
export function redisMissing(): Promise<string | undefined> {
  return probe(`Redis at ${REDIS_URL}`, async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0 });
    redis.on('error', () => {});
    try {
      await redis.connect();
      await redis.ping();
    } finally {
      redis.disconnect();
    }
  });
}

/** A store URI on a schema of its own; `drop()` removes the schema and everything in it. */
export function postgresStoreUri(schema = uniqueName('mapsync_t')): {
  uri: string;
  schema: string;
  drop(): Promise<void>;
} {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return {
    uri: url.toString(),
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      client.on('error', () => {});
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Run SQL as the test user (setting up faults: constraints, terminated connections). */
export async function postgresExec(sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}
