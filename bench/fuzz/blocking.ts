/**
 * `node --import tsx bench/fuzz/blocking.ts PROFILE.cpuprofile`: the longest stretches a
 * V8 CPU profile spent without going idle (what blocked the event loop), each with the
 * functions that took most of it. For a fuzz run with FUZZ_CPU_PROFILE=dir set.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const idle = new Set(
  profile.nodes
    .filter(
      (n) =>
        ['(idle)', '(program)', '(garbage collector)'].includes(n.callFrame.functionName) &&
        n.callFrame.functionName === '(idle)',
    )
    .map((n) => n.id),
);
const label = (id: number) => {
  const f = byId.get(id)!.callFrame;
  return `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|dist|engine)\//, '$1/')}:${f.lineNumber + 1}`;
};
/** The frames of a sample, leaf first, without V8's own root frames. */
const stack = (id: number) => {
  const out: number[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) out.push(at);
  return out.slice(0, -1);
};

interface Stretch {
  startUs: number;
  us: number;
  samples: number[];
}
const stretches: Stretch[] = [];
let t = 0;
let current: Stretch | undefined;
for (const [i, sample] of profile.samples.entries()) {
  const dt = profile.timeDeltas[i] ?? 0;
  t += dt;
  if (idle.has(sample)) {
    if (current) stretches.push(current);
    current = undefined;
    continue;
  }
  current ??= { startUs: t, us: 0, samples: [] };
  current.us += dt;
  current.samples.push(sample);
}
if (current) stretches.push(current);
stretches.sort((a, b) => b.us - a.us);
for (const s of stretches.slice(0, Number(process.argv[3] ?? 8))) {
  const inclusive = new Map<string, number>();
  for (const sample of s.samples)
    for (const f of new Set(stack(sample).map(label))) inclusive.set(f, (inclusive.get(f) ?? 0) + 1);
  const top = [...inclusive]
    .sort((a, b) => b[1] - a[1])
    .filter(([name]) => !/^\(root\)|^\(program\)/.test(name))
    .slice(0, 14);
  console.log(
    `\n${(s.us / 1000).toFixed(0)} ms busy at ${(s.startUs / 1e6).toFixed(1)} s (${s.samples.length} samples):`,
  );
  for (const [name, n] of top)
    console.log(`  ${((100 * n) / s.samples.length).toFixed(0).padStart(3)} %  ${name}`);
}

// Over the whole profile (after start-up): self samples by function, the CPU the loop spent.
const self = new Map<string, number>();
let busy = 0;
let clock = 0;
for (const [i, sample] of profile.samples.entries()) {
  clock += profile.timeDeltas[i] ?? 0;
  if (idle.has(sample) || clock < 2e6) continue;
  busy++;
  const name = label(sample);
  self.set(name, (self.get(name) ?? 0) + 1);
}
console.log(`\nbusy samples after the first 2 s: ${busy}; most self time:`);
for (const [name, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
  console.log(`  ${String(n).padStart(5)}  ${name}`);
}
