/**
 * `mapsync sync` and `mapsync plan` exit as soon as their output is written (process.ts),
 * without waiting for node to free the run's heap: what they print must still arrive whole
 * through a pipe whose reader is slow, with the command's own exit code. (On Linux node
 * writes stdout to a pipe synchronously; where it does not, process.ts waits for the pipe.)
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pair, REPO, startPair } from '../e2e/helpers/pair.ts';

let pair: Pair;

beforeAll(async () => {
  pair = await startPair({ shop: { count: 40, seed: 7, anchor: new Date('2026-01-15T00:00:00Z') } });
});

afterAll(async () => {
  await pair?.close();
});

/** Runs the command with stdout on a pipe nobody reads for the first 500 ms. */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'mapsync.js'), ...args], {
      cwd: pair.dir,
      env: {
        ...process.env,
        ...pair.env,
        MAPSYNC_CONFIG: pair.configPath,
        MAPSYNC_LOG_LEVEL: 'error',
        CI: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.pause();
    setTimeout(() => child.stdout.on('data', (chunk: Buffer) => out.push(chunk)), 500);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // `close`: the process has exited and both pipes are read to their end.
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr }));
  });
}

describe('a run exits once its output is written', () => {
  it('`mapsync plan --json` through a slow pipe: all of it (far more than a pipe holds), exit 0', async () => {
    const result = await run(['plan', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(64 * 1024);
    const plan = JSON.parse(result.stdout) as { dryRun: boolean; ok: boolean; mappings: unknown[] };
    expect(plan.dryRun).toBe(true);
    expect(plan.mappings.length).toBeGreaterThan(0);
  });

  it('`mapsync sync --json`: the whole summary and the exit code of the run', async () => {
    const result = await run(['sync', '--json']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { ok: boolean; dryRun: boolean };
    expect(summary).toMatchObject({ ok: true, dryRun: false });
    // A record that fails makes the run exit 1: the code set by the command survives the exit.
    pair.po.faults.configure({ rate500: 1 });
    const failed = await run(['sync', '--json', '--full']);
    pair.po.faults.configure({});
    expect(failed.code).toBe(1);
    expect((JSON.parse(failed.stdout) as { ok: boolean }).ok).toBe(false);
  });
});
