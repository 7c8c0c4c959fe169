/**
 * `mapsync test --format junit`: JUnit XML, the test report format CI systems read (GitHub
 * test reporters, GitLab, Jenkins, Azure DevOps). One `<testsuite>` per test file, one
 * `<testcase>` per mapping case and run (every case runs twice to prove it deterministic,
 * so `name (run 1)` and `name (run 2)`), classname = the mapping. When the files themselves
 * have errors no case runs: each file with errors is then one test case with an `<error>`,
 * so the report is never silently empty. XML is built (escaping, characters XML 1.0 cannot
 * hold) by xmlbuilder2, imported only when this format is asked for.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { formatDiagnostic } from '../../diagnostics/diagnostic.ts';
import type { CaseResult } from './run-tests.ts';

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export async function toJUnit(
  results: readonly CaseResult[],
  diagnostics: readonly Diagnostic[],
): Promise<string> {
  const { create } = await import('xmlbuilder2');
  const doc = create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '\uFFFD' });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const runs = results.flatMap((r) => r.runs.map((run) => ({ result: r, run })));
  const failures = runs.filter((x) => !x.run.passed).length;
  const totalMs = runs.reduce((sum, x) => sum + x.run.durationMs, 0);
  const erroredFiles = [...new Set(errors.map((d) => d.file))].sort();
  const root = doc.ele('testsuites', {
    name: 'mapsync test',
    tests: runs.length + erroredFiles.length,
    failures,
    errors: erroredFiles.length,
    time: seconds(totalMs),
  });
  if (erroredFiles.length > 0) {
    const suite = root.ele('testsuite', {
      name: 'mapsync validate',
      tests: erroredFiles.length,
      failures: 0,
      errors: erroredFiles.length,
      skipped: 0,
      time: seconds(0),
    });
    for (const file of erroredFiles) {
      const own = errors.filter((d) => d.file === file);
      suite
        .ele('testcase', { name: file, classname: 'validate', file, time: seconds(0) })
        .ele('error', {
          message: `${own.length} error${own.length === 1 ? '' : 's'}; no mapping test was run`,
          type: own[0]!.code,
        })
        .txt(own.map(formatDiagnostic).join('\n'));
    }
  }
  const files = [...new Set(results.map((r) => r.file))];
  for (const file of files) {
    const mine = runs.filter((x) => x.result.file === file);
    const suite = root.ele('testsuite', {
      name: file,
      tests: mine.length,
      failures: mine.filter((x) => !x.run.passed).length,
      errors: 0,
      skipped: 0,
      time: seconds(mine.reduce((sum, x) => sum + x.run.durationMs, 0)),
    });
    for (const { result, run } of mine) {
      const testcase = suite.ele('testcase', {
        name: `${result.name} (run ${run.run})`,
        classname: result.mapping,
        file,
        line: result.position.line,
        time: seconds(run.durationMs),
      });
      if (!run.passed) {
        testcase
          .ele('failure', { message: run.details[0] ?? 'failed', type: 'TEST_FAILED' })
          .txt(run.details.join('\n'));
      }
    }
  }
  return `${doc.end({ prettyPrint: true })}\n`;
}
