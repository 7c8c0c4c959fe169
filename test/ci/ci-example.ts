/**
 * The CI examples of docs/ci.md, read from the page itself (the fenced block after each
 * `<!-- ci-example: NAME -->` marker) and run on a small repository: the shipped mappings
 * and mapsync.yaml, with mapsync "installed" the way the example's `npm ci` would leave it
 * (node_modules/.bin/mapsync). Used by the test (does the example work?) and by the `ci`
 * benchmark (how long does it take?).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CI_DOC = join(REPO, 'docs/ci.md');

/** The install step of the workflow; the small repository is prepared as if it had run. */
export const INSTALL_STEP = 'npm ci';

/** The code block right after `<!-- ci-example: name -->`. */
export function exampleBlock(name: string, markdown = readFileSync(CI_DOC, 'utf8')): string {
  const marker = `<!-- ci-example: ${name} -->`;
  const at = markdown.indexOf(marker);
  if (at < 0) throw new Error(`docs/ci.md has no ${marker}`);
  const block = /```[a-z]*\n([\s\S]*?)\n```/.exec(markdown.slice(at));
  if (!block) throw new Error(`no code block after ${marker}`);
  return `${block[1]}\n`;
}

export interface WorkflowStep {
  name?: string;
  run: string;
}

/** The `run:` steps of every job of the GitHub Actions example, in order. */
export function workflowRunSteps(markdown?: string): WorkflowStep[] {
  const workflow = parse(exampleBlock('github-actions', markdown)) as {
    jobs: Record<string, { steps: Array<{ name?: string; run?: string; uses?: string }> }>;
  };
  return Object.values(workflow.jobs).flatMap((job) =>
    job.steps
      .filter((s) => s.run !== undefined)
      .map((s) => ({ ...(s.name ? { name: s.name } : {}), run: s.run! })),
  );
}

/** A fresh integration repository: mapsync.yaml, mappings/, package.json, mapsync installed. */
export function smallRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-ci-'));
  cpSync(join(REPO, 'mappings'), join(dir, 'mappings'), { recursive: true });
  cpSync(join(REPO, 'mapsync.yaml'), join(dir, 'mapsync.yaml'));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'shop-integration', private: true, devDependencies: { mapsync: '0.1.0' } }, null, 2)}\n`,
  );
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n');
  mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync(join(REPO, 'bin/mapsync.js'), join(dir, 'node_modules/.bin/mapsync'));
  return dir;
}

export interface ShellResult {
  code: number;
  out: string;
  err: string;
  ms: number;
}

/** Environment of a CI step: the machine's, minus anything that would change mapsync's output. */
export function ciEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('GITHUB_') && !k.startsWith('MAPSYNC_') && !k.startsWith('npm_'))
      env[k] = v;
  }
  return { ...env, CI: 'true', FORCE_COLOR: '0', ...extra };
}

/** Run a script as GitHub runs a `run:` step on Linux: `bash --noprofile --norc -eo pipefail`. */
export function runShell(script: string, cwd: string, env: Record<string, string>): Promise<ShellResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err, ms: performance.now() - started }));
  });
}

/**
 * The workflow's steps after the install, in order, stopping at the first that fails (as a
 * job does). Returns each step's result.
 */
export async function runWorkflow(dir: string): Promise<Array<WorkflowStep & ShellResult>> {
  const results: Array<WorkflowStep & ShellResult> = [];
  for (const step of workflowRunSteps()) {
    if (step.run.trim() === INSTALL_STEP) continue;
    const result = await runShell(step.run, dir, ciEnv({ GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: dir }));
    results.push({ ...step, ...result });
    if (result.code !== 0) break;
  }
  return results;
}
