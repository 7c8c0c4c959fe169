/**
 * Human-readable renderings of what the engine did or would do: the run summary table, the
 * plan's property-level diffs, failed records and links. Plain text, no colours, stable
 * column order, so it reads well in a terminal, a CI log and an e-mail alike.
 */
import type { FailedRecord, LinkRecord } from '../store/sync-state.ts';
import { isPlaceholder } from '../sync/dependencies.ts';
import { OUTCOMES, type PlannedChange, type RunSummary } from '../sync/events.ts';

const COLUMNS = OUTCOMES;

export function formatSummary(summary: RunSummary): string {
  const lines: string[] = [];
  const width = Math.max(8, ...summary.mappings.map((m) => m.mapping.length));
  const head = ['mapping'.padEnd(width), ...COLUMNS.map((c) => c.padStart(9)), '     time'].join(' ');
  lines.push(head);
  for (const m of summary.mappings) {
    lines.push(
      [
        m.mapping.padEnd(width),
        ...COLUMNS.map((c) => String(m.counts[c]).padStart(9)),
        `${(m.durationMs / 1000).toFixed(1)}s`.padStart(9),
      ].join(' '),
    );
  }
  for (const m of summary.mappings) {
    for (const e of m.errors) lines.push(`${m.mapping}: ${e.code}: ${e.message}`);
  }
  lines.push(...formatReports(summary));
  lines.push(...formatConflicts(summary));
  if (summary.storeError)
    lines.push(`STORE_UNAVAILABLE: ${summary.storeError}; the run stopped and wrote nothing more`);
  if (summary.aborted)
    lines.push('the run was interrupted; records in flight were finished, the rest waits for the next run');
  const failed = summary.mappings.reduce((n, m) => n + m.counts.failed + m.counts.conflict, 0);
  if (failed > 0)
    lines.push(`${failed} record(s) failed: see \`mapsync failed\`, retry with \`mapsync retry --all\``);
  lines.push(
    summary.ok
      ? `${summary.dryRun ? 'plan' : 'sync'} ok`
      : `${summary.dryRun ? 'plan' : 'sync'} finished with problems`,
  );
  return `${lines.join('\n')}\n`;
}

/** Report lines shown per mapping in the text summary (all of them are in `--json`). */
const REPORTS_SHOWN = 50;

/** The mappings' `report` lines: what a person should see about the records written. */
export function formatReports(summary: RunSummary): string[] {
  const lines: string[] = [];
  for (const m of summary.mappings) {
    const reports = m.reports ?? [];
    if (reports.length === 0) continue;
    lines.push(`${m.mapping}: ${reports.length} to note:`);
    for (const line of reports.slice(0, REPORTS_SHOWN)) lines.push(`  ${line}`);
    if (reports.length > REPORTS_SHOWN)
      lines.push(`  … and ${reports.length - REPORTS_SHOWN} more (use --json)`);
  }
  return lines;
}

/** Conflicts shown in the text summary (all of them are in `--json`). */
const CONFLICTS_SHOWN = 20;

/**
 * One line per conflict the policy decided: mapping, record pair, property, policy, winner
 * and the modification times it compared — not the values (personal data; `--json` has them).
 */
export function formatConflicts(summary: RunSummary): string[] {
  const all = summary.mappings.flatMap((m) => m.conflicts ?? []);
  if (all.length === 0) return [];
  const lines = [`${all.length} conflict(s) decided (a property changed in both systems):`];
  for (const c of all.slice(0, CONFLICTS_SHOWN)) {
    const verdict = c.winner === 'none' ? 'left for a person (see `mapsync failed`)' : `${c.winner} wins`;
    const times =
      c.sourceModifiedAt || c.targetModifiedAt
        ? ` (source changed ${c.sourceModifiedAt ?? '?'}, target ${c.targetModifiedAt ?? '?'})`
        : '';
    lines.push(
      `  ${c.mapping} ${c.sourceId} ↔ ${c.targetId}: ${c.property}: ${c.policy} → ${verdict}${times}`,
    );
  }
  if (all.length > CONFLICTS_SHOWN) lines.push(`  … and ${all.length - CONFLICTS_SHOWN} more (use --json)`);
  return lines;
}

/** The plan: per mapping the counts, then every record that would change with its diff. */
export function formatPlan(summary: RunSummary): string {
  const lines: string[] = [];
  for (const m of summary.mappings) {
    const c = m.counts;
    lines.push(
      `${m.mapping}: ${c.created} to create, ${c.updated} to update, ${c.unchanged} unchanged, ` +
        `${c.deleted + c.archived} to delete/archive, ${c.failed + c.conflict} failing, ${c.skipped} skipped` +
        actionCounts(m.changes),
    );
    for (const change of m.changes) lines.push(...formatChange(change).map((l) => `  ${l}`));
    if (m.changesDropped > 0)
      lines.push(`  … and ${m.changesDropped} more changes (use --json or --mapping)`);
    for (const e of m.errors) lines.push(`  ! ${e.code}: ${e.message}`);
  }
  if (summary.storeError) lines.push(`STORE_UNAVAILABLE: ${summary.storeError}`);
  lines.push('plan only: nothing was written');
  return `${lines.join('\n')}\n`;
}

/** ", 3 actions (invoice 3)" when the plan would run mapping actions; "" otherwise. */
function actionCounts(changes: readonly PlannedChange[]): string {
  const by = new Map<string, number>();
  for (const c of changes) {
    if (c.action !== 'operation') continue;
    // A per-item action's items (`credit-note:refund-812`) count under the action's name.
    const name = (c.operation ?? '?').split(':')[0]!;
    by.set(name, (by.get(name) ?? 0) + 1);
  }
  if (by.size === 0) return '';
  const total = [...by.values()].reduce((a, b) => a + b, 0);
  return `, ${total} action(s) to run (${[...by].map(([name, n]) => `${name} ${n}`).join(', ')})`;
}

export function formatChange(change: PlannedChange): string[] {
  const sign = { create: '+', update: '~', delete: '-', archive: '-', link: '=', operation: '!' }[
    change.action
  ];
  const what = change.action === 'operation' ? `action ${change.operation ?? ''}` : change.action;
  const arrow = change.direction === 'to-target' ? '→ target' : '→ source';
  const partner = change.partnerId
    ? isPlaceholder(change.partnerId)
      ? ' (new record)'
      : ` (partner ${change.partnerId})`
    : '';
  const out = [`${sign} ${what} ${change.side} ${change.id}${partner} ${arrow}`];
  for (const d of change.diffs) {
    const path = d.sourcePath && d.sourcePath !== d.path ? `${d.sourcePath} (${d.path})` : d.path;
    const why =
      d.reason && d.reason !== 'changed' && d.reason !== 'first-sync' ? `  (conflict: ${d.reason})` : '';
    out.push(`    ${path}: ${show(d.from)} → ${show(d.to)}${why}`);
  }
  for (const note of change.notes ?? []) out.push(`    note: ${note}`);
  return out;
}

export function formatFailed(records: readonly FailedRecord[]): string {
  if (records.length === 0) return 'no failed records\n';
  const lines = records.map(
    (f) =>
      `${f.mapping} ${f.side} ${f.id}  ${f.code}  attempts ${f.attempts}, ${
        f.stoppedAt
          ? `retries stopped (a person retries: mapsync retry ${f.mapping}:${f.id})`
          : `next ${f.nextAttemptAt}`
      }\n    ${f.reason}${
        f.candidates ? `\n    candidates: ${f.candidates.join(', ')}` : ''
      }${f.request?.path ? `\n    request: ${f.request.method ?? ''} ${f.request.path}` : ''}${
        f.details !== undefined ? `\n    details: ${shortJson(f.details)}` : ''
      }`,
  );
  return `${lines.join('\n')}\n${records.length} failed record(s)\n`;
}

/** Details on one line (the values a person needs; `--json` has them whole). */
const DETAILS_SHOWN = 300;

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > DETAILS_SHOWN ? `${text.slice(0, DETAILS_SHOWN)}… (--json shows all)` : text;
}

export function formatLinks(
  mapping: string,
  links: readonly LinkRecord[],
  cursors: Record<string, string | undefined>,
): string {
  const lines = [
    `${mapping}: ${links.length} link(s); cursor source ${cursors.source ?? '-'}, target ${cursors.target ?? '-'}`,
  ];
  for (const l of links) {
    const flags = [l.origin, l.virtual ? 'virtual' : '', l.locked ? 'locked' : ''].filter(Boolean).join(', ');
    const children = l.children ? `, ${Object.keys(l.children).length} children` : '';
    lines.push(`  ${l.sourceId} ↔ ${l.targetId}  (${flags}${children}; synced ${l.syncedAt})`);
  }
  return `${lines.join('\n')}\n`;
}

/** A value as the plan shows it: ∅ for no value, JSON cut at 80 characters. */
export function show(value: unknown): string {
  if (value === undefined || value === null || value === '') return '∅';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
