/**
 * Paths in CI reports. GitHub annotations and SARIF results must name files relative to the
 * repository root, while diagnostics name them as given on the command line (relative to the
 * working directory, which a workflow may have changed with `working-directory:`). The root
 * is `GITHUB_WORKSPACE` when set (the checkout on a GitHub runner), else the working directory.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';

export interface PathContext {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

export function reportRoot(context: PathContext): string {
  return resolve(context.cwd, context.env.GITHUB_WORKSPACE || '.');
}

/** `file` relative to the report root, with forward slashes (absolute when outside it). */
export function rootRelative(file: string, context: PathContext): string {
  const absolute = resolve(context.cwd, file);
  const fromRoot = relative(reportRoot(context), absolute);
  const inside = fromRoot !== '' && !fromRoot.startsWith('..') && !isAbsolute(fromRoot);
  return (inside ? fromRoot : absolute).split(sep).join('/');
}
