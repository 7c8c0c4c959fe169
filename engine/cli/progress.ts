/**
 * Progress of a run for people: one cli-progress bar per mapping on a terminal, plain
 * lines otherwise (CI logs, pipes). Both go to stderr, so `--json` output stays clean.
 */
import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';
import type { EngineEvents } from '../sync/events.ts';

/** cli-progress is loaded for a terminal only: CI logs and pipes get plain lines. */
const require = createRequire(import.meta.url);

export interface ProgressOutput {
  events: EngineEvents;
  stop(): void;
}

export function progressReporter(options: {
  tty: boolean;
  write: (text: string) => void;
  stream?: NodeJS.WritableStream;
}): ProgressOutput {
  return options.tty && options.stream ? bars(options.stream) : plain(options.write);
}

function bars(stream: NodeJS.WritableStream): ProgressOutput {
  const cliProgress = require('cli-progress') as typeof cliProgressModule;
  const multi = new cliProgress.MultiBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: ' {mapping} |{bar}| {value} records  {phase}  {outcomes}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 24,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const state = new Map<
    string,
    { bar: cliProgressModule.SingleBar; done: number; total: number; changed: number; failed: number }
  >();
  const width = { n: 16 };
  const bar = (mapping: string) => {
    let entry = state.get(mapping);
    if (!entry) {
      width.n = Math.max(width.n, mapping.length);
      entry = {
        bar: multi.create(1, 0, { mapping: mapping.padEnd(width.n), phase: '', outcomes: '' }),
        done: 0,
        total: 1,
        changed: 0,
        failed: 0,
      };
      state.set(mapping, entry);
    }
    return entry;
  };
  return {
    events: {
      mappingStarted({ mapping, phase }) {
        bar(mapping).bar.update({ phase });
      },
      recordProcessed(e) {
        const entry = bar(e.mapping);
        entry.done++;
        if (e.outcome === 'failed' || e.outcome === 'conflict') entry.failed++;
        else if (e.outcome !== 'unchanged' && e.outcome !== 'skipped') entry.changed++;
        // Totals are unknown while listing: the bar grows with the records seen.
        if (entry.done >= entry.total) entry.total = Math.max(entry.total * 2, 8);
        entry.bar.setTotal(entry.total);
        entry.bar.update(entry.done, { outcomes: `${entry.changed} changed, ${entry.failed} failed` });
      },
      mappingFinished(summary) {
        const entry = bar(summary.mapping);
        entry.bar.setTotal(Math.max(entry.done, 1));
        entry.bar.update(entry.done, { phase: summary.errors.length > 0 ? 'stopped' : 'done' });
      },
    },
    stop() {
      multi.stop();
    },
  };
}

function plain(write: (text: string) => void): ProgressOutput {
  const counts = new Map<string, number>();
  return {
    events: {
      recordProcessed(e) {
        const n = (counts.get(e.mapping) ?? 0) + 1;
        counts.set(e.mapping, n);
        if (n % 1000 === 0) write(`${e.mapping}: ${n} records…\n`);
      },
      mappingFinished(summary) {
        const c = summary.counts;
        write(
          `${summary.mapping}: done: ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ` +
            `${c.deleted + c.archived} deleted/archived, ${c.failed + c.conflict} failed (${(summary.durationMs / 1000).toFixed(1)}s)\n`,
        );
      },
    },
    stop() {},
  };
}

/** Combine listeners; every listener gets every event. */
export function combineEvents(...all: Array<EngineEvents | undefined>): EngineEvents {
  const list = all.filter((e): e is EngineEvents => e !== undefined);
  return {
    runStarted: (i) => {
      for (const e of list) e.runStarted?.(i);
    },
    mappingStarted: (i) => {
      for (const e of list) e.mappingStarted?.(i);
    },
    progress: (i) => {
      for (const e of list) e.progress?.(i);
    },
    recordProcessed: (i) => {
      for (const e of list) e.recordProcessed?.(i);
    },
    mappingFinished: (i) => {
      for (const e of list) e.mappingFinished?.(i);
    },
    runFinished: (i) => {
      for (const e of list) e.runFinished?.(i);
    },
  };
}
