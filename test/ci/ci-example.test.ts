/**
 * docs/ci.md's GitHub Actions job and pre-commit hook, run from the page itself on a small
 * repository (the shipped mappings): they pass on good mappings, and fail on a broken one
 * with the problem shown where the integrator looks (annotations; the refused commit).
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ciEnv,
  exampleBlock,
  INSTALL_STEP,
  REPO,
  runShell,
  runWorkflow,
  smallRepo,
  workflowRunSteps,
} from './ci-example.ts';

function edit(dir: string, file: string, from: string, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
}

describe('the GitHub Actions job of docs/ci.md', () => {
  it('is the job the README shows', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    expect(exampleBlock('github-actions', readme)).toBe(exampleBlock('github-actions'));
  });

  it('installs, then validates and tests with annotations', () => {
    const steps = workflowRunSteps().map((s) => s.run.trim());
    expect(steps[0]).toBe(INSTALL_STEP);
    expect(steps.slice(1).every((s) => s.includes('--format github'))).toBe(true);
  });

  it('passes on good mappings', { timeout: 180_000 }, async () => {
    const results = await runWorkflow(smallRepo());
    expect(results.map((r) => [r.name, r.code])).toEqual([['Validate and test mappings', 0]]);
    expect(results[0]!.out).toBe('72 passed, 0 failed\n');
  });

  it('fails at validation with an annotation on the broken line', { timeout: 180_000 }, async () => {
    const dir = smallRepo();
    edit(dir, 'mappings/customer-person.yaml', 'target: EmailAddress', 'target: EmailAdress');
    const results = await runWorkflow(dir);
    expect(results).toHaveLength(1);
    expect(results[0]!.code).toBe(2);
    expect(results[0]!.out).toMatch(
      /^::error file=mappings\/customer-person\.yaml,line=\d+,col=\d+,title=MAP_UNKNOWN_PROPERTY::.*did you mean "EmailAddress"/m,
    );
  });

  it('fails at the tests with an annotation on the failing case', { timeout: 180_000 }, async () => {
    const dir = smallRepo();
    edit(
      dir,
      'mappings/product.yaml',
      '$net(regular_price, $rate, $source_settings.price_decimals)',
      '$net(regular_price, $rate, 0)',
    );
    const results = await runWorkflow(dir);
    expect(results.map((r) => r.code)).toEqual([1]);
    expect(results[0]!.out).toMatch(
      /^::error file=mappings\/product\.test\.yaml,line=\d+,col=\d+,title=TEST_FAILED::/m,
    );
  });
});

describe('the pre-commit hook of docs/ci.md', () => {
  it('lets a good commit through and refuses one with a broken mapping', { timeout: 240_000 }, async () => {
    const dir = smallRepo();
    const git = (args: string) =>
      runShell(
        `git -c user.name=ci -c user.email=ci@example.invalid -c init.defaultBranch=main ${args}`,
        dir,
        ciEnv(),
      );
    expect((await git('init -q')).code).toBe(0);
    const hook = join(dir, '.git/hooks/pre-commit');
    writeFileSync(hook, exampleBlock('pre-commit'));
    chmodSync(hook, 0o755);
    const good = await git(
      'add -A && git -c user.name=ci -c user.email=ci@example.invalid commit -q -m mappings',
    );
    expect(good.code, good.out + good.err).toBe(0);

    edit(dir, 'mappings/salesorder.yaml', "$link('customer-person'", "$link('customer-persons'");
    const bad = await git('commit -q -am typo');
    expect(bad.code).not.toBe(0);
    // git shows a hook's output on stderr.
    expect(bad.err).toMatch(
      /^mappings\/salesorder\.yaml:\d+:\d+ error MAP_UNKNOWN_MAPPING .*did you mean "customer-person"/m,
    );
    expect((await git('rev-list --count HEAD')).out.trim()).toBe('1');
  });
});
