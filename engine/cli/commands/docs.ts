/**
 * `mapsync docs [--out DIR]`: write the dataflow documents (reStructuredText) generated from
 * the mapping files, one per direction between two systems. Exit 2 when the mappings have
 * errors (nothing is written then).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type CliDeps, registryOf } from '../deps.ts';
import { EXIT_CONFIG } from '../exit-codes.ts';

export function register(program: Command, deps: CliDeps): void {
  program
    .command('docs')
    .summary('generate the dataflow documents from the mappings')
    .description(
      'Write one reStructuredText document per direction between two systems (for example woocommerce-powerofficego.rst and powerofficego-woocommerce.rst), with a section and a property table per mapping, generated from the mapping files.',
    )
    .argument(
      '[paths...]',
      'mapping files or folders (default: the mappings folder of mapsync.yaml, else mappings/)',
    )
    .option('-o, --out <dir>', 'folder to write the documents to', 'docs')
    .option(
      '-c, --config <file>',
      'mapsync.yaml to read systems from (default: $MAPSYNC_CONFIG, else ./mapsync.yaml when present)',
    )
    .addHelpText(
      'after',
      '\nExit status: 0 when the documents were written, 2 when the mappings have errors.',
    )
    .action(async (paths: string[], options: { out: string; config?: string }) => {
      const { hasErrors, sortDiagnostics } = await import('../../diagnostics/diagnostic.ts');
      const { dataflowDocuments } = await import('../../mapping/docs/dataflow.ts');
      const { loadMappings } = await import('../../mapping/load.ts');
      const { printDiagnostics } = await import('../print.ts');
      const { openWorkspace } = await import('../workspace.ts');
      const workspace = await openWorkspace(deps, paths, options.config);
      const loaded = await loadMappings(workspace.paths, {
        registry: await registryOf(deps),
        schemasDir: workspace.schemasDir,
        ...(workspace.config ? { systems: workspace.config.systems } : {}),
        cwd: deps.cwd,
      });
      const diagnostics = sortDiagnostics([...workspace.configDiagnostics, ...loaded.diagnostics]);
      if (hasErrors(diagnostics)) {
        printDiagnostics(deps, diagnostics, false);
        deps.err('mapsync docs: the mappings have errors; nothing was written\n');
        deps.setExitCode(EXIT_CONFIG);
        return;
      }
      const dir = resolve(deps.cwd, options.out);
      await mkdir(dir, { recursive: true });
      for (const document of dataflowDocuments(loaded.mappings, deps.now())) {
        await writeFile(join(dir, document.name), document.content);
        deps.out(`${join(options.out, document.name)}\n`);
      }
    });
}
