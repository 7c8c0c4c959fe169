/**
 * The dev sandboxes (and fastify, which they run on) are behind the specs' dynamic imports:
 * the registry and the `sandbox` command load none of them until a sandbox is started. The
 * check follows the static imports (not `import type`, not `import()`) from each entry.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const STATIC_IMPORT = /^(?:import|export)(?!\s+type\b)[^'"`;]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm;

/** Every module reached by static imports from `entry`: repo files and package names. */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      const specifier = (match[1] ?? match[2])!;
      if (specifier.startsWith('.')) {
        if (specifier.endsWith('.ts')) visit(resolve(dirname(file), specifier));
      } else {
        seen.add(specifier);
      }
    }
  };
  visit(resolve(REPO, entry));
  return seen;
}

it.each(['engine/connectors/index.ts', 'engine/cli/commands/sandbox.ts', 'engine/service/sandbox-mode.ts'])(
  '%s loads no sandbox and no fastify until one is started',
  (entry) => {
    const graph = [...staticGraph(entry)];
    expect(
      graph.filter(
        (m) =>
          m.startsWith(resolve(REPO, 'sandbox', 'woocommerce')) ||
          m.startsWith(resolve(REPO, 'sandbox', 'poweroffice-go')),
      ),
    ).toEqual([]);
    expect(graph.filter((m) => m === 'fastify' || m.startsWith('@fastify/'))).toEqual([]);
    expect(graph.length).toBeGreaterThan(1);
  },
);
