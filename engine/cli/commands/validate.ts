/**
 * `mapsync validate [PATH...]`: check mappings, their tests and mapsync.yaml without running
 * anything, and print every problem of every file, sorted. Exit 0 without errors, 2 with.
 */
import type { Command } from 'commander';
import { type CliDeps, registryOf } from '../deps.ts';
import { EXIT_CONFIG } from '../exit-codes.ts';

export function register(program: Command, deps: CliDeps): void {
  program
    .command('validate')
    .summary('check mapping files, mapping tests and mapsync.yaml')
    .description(
      'Check mapping files, their tests (*.test.yaml) and mapsync.yaml without running a sync: YAML, schema, entity properties, JSONata expressions and the references between mappings. Every problem of every file is printed, sorted, as: path:line:col severity CODE message (codes: docs/diagnostics.md). Environment variables are not needed.',
    )
    .argument(
      '[paths...]',
      'mapping files or folders (default: the mappings folder of mapsync.yaml, else mappings/)',
    )
    .option('--json', 'print the diagnostics as a JSON array instead')
    .option('-c, --config <file>', 'mapsync.yaml to read systems from (default: ./mapsync.yaml when present)')
    .addHelpText('after', '\nExit status: 0 when there is no error (warnings allowed), 2 when there is one.')
    .action(async (paths: string[], options: { json?: boolean; config?: string }) => {
      const { hasErrors, sortDiagnostics } = await import('../../diagnostics/diagnostic.ts');
      const { checkFiles } = await import('../../mapping/check-files.ts');
      const { printDiagnostics, summary } = await import('../print.ts');
      const { openWorkspace } = await import('../workspace.ts');
      const workspace = await openWorkspace(deps, paths, options.config);
      const checked = workspace.paths.length
        ? await checkFiles(workspace.paths, {
            registry: await registryOf(deps),
            schemasDir: workspace.schemasDir,
            ...(workspace.config ? { systems: workspace.config.systems } : {}),
            cwd: deps.cwd,
          })
        : { diagnostics: [] };
      const diagnostics = sortDiagnostics([...workspace.configDiagnostics, ...checked.diagnostics]);
      printDiagnostics(deps, diagnostics, options.json === true);
      if (!options.json) deps.err(`mapsync validate: ${summary(diagnostics)}\n`);
      deps.setExitCode(hasErrors(diagnostics) ? EXIT_CONFIG : 0);
    });
}
