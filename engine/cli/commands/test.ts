/**
 * `mapsync test [PATH...]`: run the mapping tests (`*.test.yaml`) beside the mappings, each
 * case twice, through the same functions the sync engine uses. A failure is reported at the
 * case's line with one line per difference; `--format` also gives JSON, JUnit XML or GitHub
 * annotations. Exit 0 when all pass, 1 when one fails, 2 when the files themselves have
 * errors (nothing is run then).
 */
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import type { CaseResult } from '../../mapping/testing/run-tests.ts';
import { type CliDeps, registryOf } from '../deps.ts';
import { EXIT_CONFIG, EXIT_FAILED } from '../exit-codes.ts';
import { formatOption } from '../format-option.ts';

type TestFormat = 'text' | 'json' | 'junit' | 'github';

export function register(program: Command, deps: CliDeps): void {
  program
    .command('test')
    .summary('run the mapping tests (*.test.yaml)')
    .description(
      'Check the files as `mapsync validate` does (every warning is printed too), then run the mapping tests (*.test.yaml) found under the paths: each case maps its input record (links stubbed by the case) and compares the output with equals / contains / skipped. Every case runs twice to prove the mapping is deterministic. One command for CI: it validates and tests.',
    )
    .argument('[paths...]', 'folders or files (default: the mappings folder of mapsync.yaml, else mappings/)')
    .addOption(
      formatOption(
        ['text', 'json', 'junit', 'github'],
        'text; json; junit (JUnit XML: one test case per case and run); github (annotations on the pull request)',
      ),
    )
    .option(
      '-c, --config <file>',
      'mapsync.yaml to read systems from (default: $MAPSYNC_CONFIG, else ./mapsync.yaml when present)',
    )
    .addHelpText(
      'after',
      '\nExit status: 0 when every case passes, 1 when one fails, 2 when the files have errors.',
    )
    .action(async (paths: string[], options: { format: TestFormat; config?: string }) => {
      const { hasErrors, sortDiagnostics } = await import('../../diagnostics/diagnostic.ts');
      const { checkFiles } = await import('../../mapping/check-files.ts');
      const { runTestFiles } = await import('../../mapping/testing/run-tests.ts');
      const { openWorkspace } = await import('../workspace.ts');
      const workspace = await openWorkspace(deps, paths, options.config);
      const checked = await checkFiles(workspace.paths, {
        registry: await registryOf(deps),
        schemasDir: workspace.schemasDir,
        ...(workspace.config ? { systems: workspace.config.systems } : {}),
        cwd: deps.cwd,
      });
      const diagnostics = sortDiagnostics([...workspace.configDiagnostics, ...checked.diagnostics]);
      if (hasErrors(diagnostics)) {
        await report(deps, options.format, diagnostics, []);
        deps.err('mapsync test: the files have errors; no test was run\n');
        deps.setExitCode(EXIT_CONFIG);
        return;
      }
      // The engine's evaluator: a case that runs away is stopped at the hard time limit and
      // fails, instead of hanging the command.
      const { mappingEvaluator } = await import('../../mapping/evaluate.ts');
      const { EvaluatorPool } = await import('../../mapping/evaluator/pool.ts');
      // The engine's check of the source values too: a case the engine would refuse as
      // invalid at the source fails, instead of specifying a payload never sent.
      const { PayloadValidator } = await import('../../sync/payload-validator.ts');
      const pool = new EvaluatorPool();
      const results = await runTestFiles(
        mappingEvaluator(pool),
        checked.tests,
        new Map(checked.mappings.map((m) => [m.name, m])),
        { sourceCheck: new PayloadValidator(pathToFileURL(`${workspace.schemasDir}/`)) },
      ).finally(() => pool.close());
      // Warnings and notes are shown as validate shows them; they do not stop the tests.
      await report(deps, options.format, diagnostics, results);
      const failed = results.filter((r) => !r.passed).length;
      const files = new Set(results.map((r) => r.file)).size;
      deps.err(`mapsync test: ${results.length} cases in ${files} files\n`);
      deps.setExitCode(failed > 0 ? EXIT_FAILED : 0);
    });
}

/** A failing case as a diagnostic at its line (details indented below it in text). */
function failure(result: CaseResult): Diagnostic {
  return {
    file: result.file,
    ...result.position,
    severity: 'error',
    code: 'TEST_FAILED',
    message: `case "${result.name}" of mapping "${result.mapping}" failed:`,
  };
}

async function report(
  deps: CliDeps,
  format: TestFormat,
  diagnostics: readonly Diagnostic[],
  results: readonly CaseResult[],
): Promise<void> {
  const { hasErrors } = await import('../../diagnostics/diagnostic.ts');
  const { reportDiagnostics } = await import('../print.ts');
  const failed = results.filter((r) => !r.passed);
  const counts = `${results.length - failed.length} passed, ${failed.length} failed\n`;
  const ran = !hasErrors(diagnostics);
  if (format === 'junit') {
    const { toJUnit } = await import('../../mapping/testing/junit.ts');
    deps.out(await toJUnit(results, diagnostics));
  } else if (format === 'json') {
    const cases = results.map(({ position, ...r }) => ({ ...r, ...position }));
    const body = { diagnostics, cases, passed: results.length - failed.length, failed: failed.length };
    deps.out(`${JSON.stringify(body, null, 2)}\n`);
  } else if (format === 'github') {
    const annotations = [
      ...diagnostics,
      ...failed.map((r) => ({ ...failure(r), message: [failure(r).message, ...r.details].join('\n') })),
    ];
    await reportDiagnostics(deps, annotations, 'github');
    if (ran) deps.out(counts);
  } else {
    await reportDiagnostics(deps, diagnostics, 'text');
    if (!ran) return;
    for (const r of failed) {
      await reportDiagnostics(deps, [failure(r)], 'text');
      deps.out(r.details.map((d) => `    ${d}\n`).join(''));
    }
    deps.out(counts);
  }
}
