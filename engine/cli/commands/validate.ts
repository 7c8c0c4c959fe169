/**
 * `mapsync validate [PATH...]`: check mappings, their tests and mapsync.yaml without running
 * anything, and print every problem of every file, sorted, as text, JSON, GitHub
 * annotations or SARIF. Exit 0 without errors, 2 with.
 */
import type { Command } from 'commander';
import { type CliDeps, registryOf } from '../deps.ts';
import { EXIT_CONFIG } from '../exit-codes.ts';
import { type DiagnosticFormat, formatOption } from '../format-option.ts';

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
    .addOption(
      formatOption(
        ['text', 'json', 'github', 'sarif'],
        'text; json (an array); github (workflow commands: annotations on the pull request); sarif (SARIF 2.1.0 for code scanning)',
      ),
    )
    .option('--json', 'the same as --format json')
    .option(
      '-c, --config <file>',
      'mapsync.yaml to read systems from (default: $MAPSYNC_CONFIG, else ./mapsync.yaml when present)',
    )
    .addHelpText('after', '\nExit status: 0 when there is no error (warnings allowed), 2 when there is one.')
    .action(
      async (paths: string[], options: { json?: boolean; format: DiagnosticFormat; config?: string }) => {
        const { hasErrors, sortDiagnostics } = await import('../../diagnostics/diagnostic.ts');
        const { checkFiles } = await import('../../mapping/check-files.ts');
        const { reportDiagnostics, summary } = await import('../print.ts');
        const { openWorkspace } = await import('../workspace.ts');
        const format = options.json ? 'json' : options.format;
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
        await reportDiagnostics(deps, diagnostics, format);
        if (format !== 'json') deps.err(`mapsync validate: ${summary(diagnostics)}\n`);
        deps.setExitCode(hasErrors(diagnostics) ? EXIT_CONFIG : 0);
      },
    );
}
