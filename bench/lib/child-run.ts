/**
 * Runs in a child process (forked by `runInChild`): opens the project named by
 * MAPSYNC_CONFIG the way `mapsync sync` does, runs the engine once, and reports to the
 * parent over IPC: the run's summary counts, its duration, and its memory — RSS sampled
 * every 100 ms from inside the process, plus the kernel's high-water mark (VmHWM), which
 * also catches a peak between two samples. The sandboxes stay in the parent, so their
 * records do not count against the engine's memory.
 */
import { readFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import { openProject } from '../../engine/compose.ts';
import { connectors as registry } from '../../engine/connectors/index.ts';

export interface ChildRequest {
  mappings?: string[];
  mode?: 'incremental' | 'full';
  concurrency?: number;
  sampleMs?: number;
  /**
   * Diagnosis (needs node --expose-gc): after this many records of the source pass, force a
   * full GC and record the heap still in use, i.e. what the run really holds at that point.
   */
  liveHeapAt?: number[];
}

export interface ChildReport {
  ok: boolean;
  durationMs: number;
  /** Time to load the project and open the store, before the run. */
  openMs: number;
  counts: Record<string, Record<string, number>>;
  errors: string[];
  storeError?: string;
  peakRssBytes: number;
  /** VmHWM from /proc/self/status (undefined where there is no procfs). */
  kernelPeakRssBytes?: number;
  /** RSS right after the project was opened (before the run). */
  baselineRssBytes: number;
  samples: Array<[number, number]>;
  heapUsedPeakBytes: number;
  /** [records done, live heap bytes after a forced GC] for each `liveHeapAt`. */
  liveHeap: Array<[number, number]>;
}

function kernelPeak(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function main(request: ChildRequest): Promise<ChildReport> {
  const started = Date.now();
  const samples: Array<[number, number]> = [];
  let peak = process.memoryUsage.rss();
  let heapPeak = process.memoryUsage().heapUsed;
  const sample = () => {
    const rss = process.memoryUsage.rss();
    const heap = process.memoryUsage().heapUsed;
    peak = Math.max(peak, rss);
    heapPeak = Math.max(heapPeak, heap);
    samples.push([Date.now() - started, rss]);
  };
  const timer = setInterval(sample, request.sampleMs ?? 100);
  try {
    const liveHeap: Array<[number, number]> = [];
    const wanted = new Set(request.liveHeapAt ?? []);
    const gc = (globalThis as { gc?: () => void }).gc;
    const opened = await openProject({
      configPath: process.env.MAPSYNC_CONFIG!,
      env: process.env,
      cwd: process.cwd(),
      registry,
      logLevel: process.env.MAPSYNC_LOG_LEVEL ?? 'error',
      ...(request.concurrency ? { concurrency: request.concurrency } : {}),
      ...(wanted.size > 0 && gc
        ? {
            events: {
              progress: (p: { phase: string; done: number }) => {
                if (p.phase !== 'source' || !wanted.has(p.done)) return;
                wanted.delete(p.done);
                gc();
                liveHeap.push([p.done, process.memoryUsage().heapUsed]);
              },
            },
          }
        : {}),
    });
    const openMs = Date.now() - started;
    const baselineRssBytes = process.memoryUsage.rss();
    const runStarted = Date.now();
    const snapshotAt = Number(process.env.BENCH_HEAP_SNAPSHOT_AT ?? 0);
    const snapshotTimer =
      snapshotAt > 0 && process.env.BENCH_HEAP_SNAPSHOT
        ? setTimeout(() => writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT), snapshotAt)
        : undefined;
    try {
      const summary = await opened.engine.run({
        ...(request.mappings ? { mappings: request.mappings } : {}),
        ...(request.mode ? { mode: request.mode } : {}),
      });
      const durationMs = Date.now() - runStarted;
      sample();
      clearTimeout(snapshotTimer);
      const kernelPeakRssBytes = kernelPeak();
      return {
        ok: summary.ok,
        durationMs,
        openMs,
        counts: Object.fromEntries(summary.mappings.map((m) => [m.mapping, { ...m.counts, seen: m.seen }])),
        errors: summary.mappings.flatMap((m) => m.errors.map((e) => `${m.mapping}: ${e.code} ${e.message}`)),
        ...(summary.storeError ? { storeError: summary.storeError } : {}),
        peakRssBytes: peak,
        ...(kernelPeakRssBytes !== undefined ? { kernelPeakRssBytes } : {}),
        baselineRssBytes,
        samples,
        heapUsedPeakBytes: heapPeak,
        liveHeap,
      };
    } finally {
      await opened.close();
    }
  } finally {
    clearInterval(timer);
  }
}

process.once('message', (request: ChildRequest) => {
  main(request).then(
    (report) => process.send!({ report }, () => process.exit(0)),
    (error: unknown) =>
      process.send!({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () =>
        process.exit(1),
      ),
  );
});
