/**
 * The list of CLI commands. Adding a command = one file under this folder exporting
 * `register(program, deps)` (see `CommandModule` in ../deps.ts), one import and one entry
 * in the array below; main.ts and program.ts never change.
 */
import type { CommandModule } from '../deps.ts';
import * as docs from './docs.ts';
import * as failed from './failed.ts';
import * as links from './links.ts';
import * as plan from './plan.ts';
import * as playground from './playground.ts';
import * as retry from './retry.ts';
import * as sandbox from './sandbox.ts';
import * as serve from './serve.ts';
import * as sync from './sync.ts';
import * as tenant from './tenant.ts';
import * as test from './test.ts';
import * as validate from './validate.ts';

export const commands: readonly CommandModule[] = [
  validate,
  test,
  docs,
  playground,
  sandbox,
  serve,
  plan,
  sync,
  links,
  failed,
  retry,
  tenant,
];
