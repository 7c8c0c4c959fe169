/**
 * `mapsync test [PATH...]`: run the mapping tests (`*.test.yaml`) beside the mappings, each
 * case twice, through the same functions the sync engine uses. A failure is reported at the
 * case's line with one line per difference. Exit 0 when all pass, 1 when one fails, 2 when
 * the files themselves have errors (nothing is run then).
 */
import type { Command } from 'commander';
import { type CliDeps, registryOf } from '../deps.ts';
import { EXIT_CONFIG, EXIT_FAILED } from '../exit-codes.ts';

export function register(program: Command, deps: CliDeps): void {
  program
    .command('test')
    .summary('run the mapping tests (*.test.yaml)')
    .description(
      'Run the mapping tests (*.test.yaml) found under the paths: each case maps its input record (links stubbed by the case) and compares the output with equals / contains / skipped. Every case runs twice to prove the mapping is deterministic.',
    )
    .argument('[paths...]', 'folders or files (default: the mappings folder of mapsync.yaml, else mappings/)')
    .option('-c, --config <file>', 'mapsync.yaml to read systems from (default: ./mapsync.yaml when present)')
    .addHelpText(
      'after',
      '\nExit status: 0 when every case passes, 1 when one fails, 2 when the files have errors.',
    )
    .action(async (paths: string[], options: { config?: string }) => {
      const { formatDiagnostic, hasErrors, sortDiagnostics } = await import(
        '../../diagnostics/diagnostic.ts'
      );
      const { checkFiles } = await import('../../mapping/check-files.ts');
      const { runTestFiles } = await import('../../mapping/testing/run-tests.ts');
      const { printDiagnostics } = await import('../print.ts');
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
        printDiagnostics(deps, diagnostics, false);
        deps.err('mapsync test: the files have errors; no test was run\n');
        deps.setExitCode(EXIT_CONFIG);
        return;
      }
      // The engine's evaluator: a case that runs away is stopped at the hard time limit and
      // fails, instead of hanging the command.
      const { mappingEvaluator } = await import('../../mapping/evaluate.ts');
      const { EvaluatorPool } = await import('../../mapping/evaluator/pool.ts');
      const pool = new EvaluatorPool();
      const results = await runTestFiles(
        mappingEvaluator(pool),
        checked.tests,
        new Map(checked.mappings.map((m) => [m.name, m])),
      ).finally(() => pool.close());
      for (const result of results.filter((r) => !r.passed)) {
        const line = formatDiagnostic({
          file: result.file,
          ...result.position,
          severity: 'error',
          code: 'TEST_FAILED',
          message: `case "${result.name}" of mapping "${result.mapping}" failed:`,
        });
        deps.out(`${line}\n${result.details.map((d) => `    ${d}\n`).join('')}`);
      }
      const failed = results.filter((r) => !r.passed).length;
      const files = new Set(results.map((r) => r.file)).size;
      deps.out(`${results.length - failed} passed, ${failed} failed\n`);
      deps.err(`mapsync test: ${results.length} cases in ${files} files\n`);
      deps.setExitCode(failed > 0 ? EXIT_FAILED : 0);
    });
}
