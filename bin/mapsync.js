#!/usr/bin/env node
// Entry point of the `mapsync` command. The engine is written in TypeScript and run
// through tsx's loader, so there is no build step and no stale compiled copy to drift.
import { register } from 'tsx/esm/api';

register();
await import('../engine/cli/main.ts');
