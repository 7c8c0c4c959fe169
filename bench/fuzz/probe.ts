/**
 * Watches the service from outside for the whole run: `GET /healthz` one after another
 * (every 100 ms after the previous answer), recording each answer's latency; and
 * `GET /metrics` every 2 s for the process's own event-loop delay
 * (`nodejs_eventloop_lag_max_seconds`, prom-client's monitorEventLoopDelay, reset at each
 * scrape), so a slow health answer can be told apart: the service's loop was blocked (its
 * own delay is high) or the machine starved the process (its own delay is low).
 */
import { spawn } from 'node:child_process';

export interface ProbeReport {
  probes: number;
  maxMs: number;
  p99Ms: number;
  over1s: number;
  /** When (ms since the probe started) the slowest answers came, and how slow. */
  slowest: Array<{ atMs: number; ms: number }>;
  failures: string[];
  loopDelayMaxMs: number;
  loopSamples: number;
  /**
   * The event-loop delay max of an idle canary process (it does nothing but measure): how
   * long any process on this machine waited for a CPU, i.e. the part of a delay that comes
   * from outside the service (other processes on a loaded machine).
   */
  canaryDelayMaxMs: number;
}

export interface Probe {
  stop(): Promise<ProbeReport>;
  /** The largest health latency so far (for progress lines). */
  current(): { maxMs: number; loopMaxMs: number; canaryMaxMs: number };
}

export function startProbe(serviceUrl: string): Probe {
  const latencies: number[] = [];
  const slowest: Array<{ atMs: number; ms: number }> = [];
  const failures: string[] = [];
  const started = performance.now();
  let running = true;
  let loopMax = 0;
  let loopSamples = 0;
  let canaryMax = 0;
  const canary = spawn(
    process.execPath,
    [
      '-e',
      "const h = require('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 }); h.enable();" +
        'setInterval(() => { console.log(h.max / 1e6); h.reset(); }, 1000);',
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  canary.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.trim()) canaryMax = Math.max(canaryMax, Number(line));
  });

  const health = (async () => {
    while (running) {
      const t = performance.now();
      try {
        const res = await fetch(`${serviceUrl}/healthz`, { signal: AbortSignal.timeout(15_000) });
        await res.arrayBuffer();
        if (res.status !== 200) failures.push(`/healthz answered ${res.status}`);
      } catch (error) {
        failures.push(`/healthz: ${error instanceof Error ? error.message : String(error)}`);
      }
      const ms = performance.now() - t;
      latencies.push(ms);
      if (ms > 250) {
        slowest.push({ atMs: Math.round(t - started), ms: Math.round(ms) });
        slowest.sort((a, b) => b.ms - a.ms);
        slowest.length = Math.min(slowest.length, 10);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  const metrics = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, 2000));
      try {
        const text = await (
          await fetch(`${serviceUrl}/metrics`, { signal: AbortSignal.timeout(15_000) })
        ).text();
        const m = /^nodejs_eventloop_lag_max_seconds\s+(\S+)/m.exec(text);
        if (m) {
          loopMax = Math.max(loopMax, Number(m[1]) * 1000);
          loopSamples++;
        }
      } catch {
        // A failed scrape shows up in the health figures; nothing to add here.
      }
    }
  })();

  return {
    current: () => ({
      maxMs: Math.max(0, ...latencies.slice(-5000)),
      loopMaxMs: loopMax,
      canaryMaxMs: canaryMax,
    }),
    async stop() {
      running = false;
      await Promise.all([health, metrics]);
      canary.kill();
      const sorted = [...latencies].sort((a, b) => a - b);
      return {
        probes: latencies.length,
        maxMs: sorted.at(-1) ?? 0,
        p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
        over1s: latencies.filter((l) => l > 1000).length,
        slowest,
        failures,
        loopDelayMaxMs: loopMax,
        loopSamples,
        canaryDelayMaxMs: canaryMax,
      };
    },
  };
}
