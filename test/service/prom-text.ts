/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests:
 * every line must be a comment, HELP, TYPE or a well-formed sample; samples of a family
 * must follow its TYPE and stay together; label values must be properly escaped; histogram
 * buckets must be cumulative and end in `+Inf` equal to `_count`. Throws on any violation,
 * so "it parsed" means the text is valid, not just that something came out.
 * (parse-prometheus-text-format, used alongside, checks the line grammar independently but
 * drops `_sum`/`_count` of labelled histograms, so values are read here.)
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  let current: Family | undefined;
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('exposition must end with a newline');
  lines.forEach((line, index) => {
    const where = `line ${index + 1}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!meta) return; // plain comment
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
      if (closed.has(name)) throw new Error(`${where}: family ${name} appears twice`);
      if (current && current.name !== name) closed.add(current.name);
      current = families.get(name) ?? { name, type: 'untyped', samples: [] };
      families.set(name, current);
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) {
          throw new Error(`${where}: bad type ${rest}`);
        }
        if (current.samples.length > 0) throw new Error(`${where}: TYPE after samples`);
        current.type = rest as Family['type'];
      } else {
        current.help = rest;
      }
      return;
    }
    const sample = parseSample(line, where);
    const base =
      current &&
      (sample.name === current.name || sample.name.replace(/_(bucket|sum|count)$/, '') === current.name)
        ? current
        : undefined;
    if (!base) throw new Error(`${where}: sample ${sample.name} outside its family`);
    if (sample.name !== base.name && base.type !== 'histogram' && base.type !== 'summary') {
      throw new Error(`${where}: suffix on a ${base.type}`);
    }
    if (base.type === 'counter' && sample.value < 0) throw new Error(`${where}: negative counter`);
    base.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function parseSample(line: string, where: string): Sample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?\d+)?$/.exec(line);
  if (!match) throw new Error(`${where}: malformed sample: ${line}`);
  const labels: Record<string, string> = {};
  if (match[2]) {
    let rest = match[2].slice(1, -1);
    while (rest.length > 0) {
      const label = /^([^=]+)="((?:[^"\\]|\\["\\n])*)"(,|$)/.exec(rest);
      if (!label || !LABEL.test(label[1]!)) throw new Error(`${where}: malformed labels: ${match[2]}`);
      if (label[1]! in labels) throw new Error(`${where}: duplicate label ${label[1]}`);
      labels[label[1]!] = label[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
      rest = rest.slice(label[0].length);
    }
  }
  const raw = match[3]!;
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw);
  if (!/^(NaN|[+-]Inf|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/.test(raw))
    throw new Error(`${where}: bad value ${raw}`);
  return { name: match[1]!, labels, value };
}

function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${family.name}: bucket without le`);
      entry.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
    } else if (s.name.endsWith('_count')) entry.count = s.value;
    else if (s.name.endsWith('_sum')) entry.sum = s.value;
  }
  for (const [key, entry] of series) {
    const last = entry.buckets.at(-1);
    if (!last || last[0] !== Infinity) throw new Error(`${family.name}${key}: no +Inf bucket`);
    if (entry.count === undefined || entry.sum === undefined)
      throw new Error(`${family.name}${key}: no _count/_sum`);
    if (last[1] !== entry.count) throw new Error(`${family.name}${key}: +Inf bucket != _count`);
    for (let i = 1; i < entry.buckets.length; i++) {
      if (
        entry.buckets[i]![0] <= entry.buckets[i - 1]![0] ||
        entry.buckets[i]![1] < entry.buckets[i - 1]![1]
      ) {
        throw new Error(`${family.name}${key}: buckets not cumulative`);
      }
    }
  }
}

/** The value of the sample of `family` (or `family_suffix`) whose labels include `labels`. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const familyName = families.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
  return families
    .get(familyName)
    ?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;
}
