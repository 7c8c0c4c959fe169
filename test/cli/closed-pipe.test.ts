/**
 * `mapsync failed --json | head` used to end in an EPIPE stack trace: every command must
 * exit quietly, with its own status, when the reader of its output goes away. The real
 * command runs as a child process whose stdout is a pipe closed after the first chunk.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../engine/store/open-store.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { emptyLink } from '../../engine/sync/empty-link.ts';
import { writeTestConfig } from './helpers.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'bin/mapsync.js');

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mapsync-pipe-'));
  writeTestConfig(dir, { store: `sqlite://${join(dir, 'state.sqlite')}`, mappings: join(REPO, 'mappings') });
  // Far more output than a pipe buffers (64 KiB), so the writer meets the closed pipe.
  const store = openStore(`sqlite://${join(dir, 'state.sqlite')}`);
  const state = new MappingState('customer-person', store);
  const at = new Date('2026-01-01T00:00:00Z');
  for (let i = 1; i <= 3000; i++) {
    await state.putLink(emptyLink(String(i), String(100000 + i), 'matched', at));
    await state.setFailed({
      mapping: 'customer-person',
      side: 'source',
      id: String(200000 + i),
      code: 'CONNECTOR_VALIDATION',
      kind: 'validation',
      reason: `poweroffice-go: POST /v2/Customers → 400 EmailAddress is not a valid e-mail address (record ${i})`,
      firstAt: at.toISOString(),
      at: at.toISOString(),
      attempts: 1,
      nextAttemptAt: at.toISOString(),
    });
  }
  await store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runClosedEarly(args: string[]): Promise<{ code: number | null; stderr: string; read: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stderr = '';
    let read = 0;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    // Like `head -c 100`: take the first chunk, then close the pipe.
    child.stdout.once('data', (chunk: Buffer) => {
      read = chunk.length;
      child.stdout.destroy();
    });
    child.once('exit', (code) => resolve({ code, stderr, read }));
  });
}

describe('a closed output pipe', () => {
  it('`mapsync links --json | head`: exit 0, nothing on stderr', async () => {
    const result = await runClosedEarly(['links', '--json']);
    expect(result.read).toBeGreaterThan(0);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('`mapsync failed --json | head`: exit 0, nothing on stderr (the command of the issue)', async () => {
    const result = await runClosedEarly(['failed', '--json']);
    expect(result.read).toBeGreaterThan(0);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('`mapsync failed | head` (the table): exit 0, nothing on stderr', async () => {
    const result = await runClosedEarly(['failed']);
    expect(result.read).toBeGreaterThan(0);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
