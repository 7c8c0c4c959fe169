/**
 * What one run reports: the per-mapping summaries (counts, errors, planned/made changes,
 * conflicts, durations) and the engine events for listeners. It writes nothing and decides
 * nothing; the record work tells it what happened.
 */
import type { Runtime } from '../runtime.ts';
import {
  type ConflictDecision,
  type EngineEvents,
  emptyCounts,
  type MappingSummary,
  type PlannedChange,
  type RecordEvent,
} from './events.ts';

/** Planned/made changes kept per mapping in the summary (the rest are counted only). */
export const MAX_CHANGES_PER_MAPPING = 2_000;

export class RunReporter {
  readonly summaries = new Map<string, MappingSummary>();
  private readonly started = new Map<string, number>();
  private readonly finished = new Set<string>();

  constructor(
    private readonly events: EngineEvents,
    private readonly logger: Runtime['logger'],
    /** The system of a mapping's side (a conflict's log line names the winner's system). */
    private readonly systemOf: (mapping: string, side: 'source' | 'target') => string,
    private readonly dryRun: boolean,
  ) {}

  summary(mapping: string): MappingSummary {
    let summary = this.summaries.get(mapping);
    if (!summary) {
      summary = {
        mapping,
        counts: emptyCounts(),
        seen: 0,
        errors: [],
        changes: [],
        changesDropped: 0,
        conflicts: [],
        durationMs: 0,
      };
      this.summaries.set(mapping, summary);
      this.started.set(mapping, Date.now());
    }
    return summary;
  }

  /** The mapping's run starts now (its duration counts from here). */
  startSummary(mapping: string): void {
    this.summary(mapping);
    this.started.set(mapping, Date.now());
  }

  /** Mark the mapping's run finished (the first call fixes its duration) and return its summary. */
  finishSummary(mapping: string): MappingSummary {
    const summary = this.summary(mapping);
    if (!this.finished.has(mapping)) {
      summary.durationMs = Date.now() - (this.started.get(mapping) ?? Date.now());
      this.finished.add(mapping);
    }
    return summary;
  }

  record(event: RecordEvent): void {
    this.summary(event.mapping).counts[event.outcome]++;
    this.emit(() => this.events.recordProcessed?.(event));
  }

  change(change: PlannedChange): void {
    const summary = this.summary(change.mapping);
    if (summary.changes.length < MAX_CHANGES_PER_MAPPING) summary.changes.push(change);
    else summary.changesDropped++;
  }

  /**
   * A conflict the policy decided: kept in the summary (with its values), emitted as an
   * event (with its values), and logged at info — property, policy, winner and times only,
   * since the values are personal data.
   */
  conflict(decision: ConflictDecision): void {
    const summary = this.summary(decision.mapping);
    if (summary.conflicts.length < MAX_CHANGES_PER_MAPPING) summary.conflicts.push(decision);
    const { sourceValue: _s, targetValue: _t, ...facts } = decision;
    const system = decision.winner === 'none' ? undefined : this.systemOf(decision.mapping, decision.winner);
    this.logger.info(
      { ...facts, ...(this.dryRun ? { dryRun: true } : {}) },
      system
        ? `conflict decided: ${decision.property} changed in both systems; ${decision.policy}: the ${decision.winner} (${system}) value wins`
        : `conflict: ${decision.property} changed in both systems; ${decision.policy}: left for a person`,
    );
    this.emit(() => this.events.conflictDecided?.(decision));
  }

  /** A line of the mapping's `report` for a record it created or updated. */
  report(mapping: string, line: string): void {
    const summary = this.summary(mapping);
    summary.reports ??= [];
    if (summary.reports.length < MAX_CHANGES_PER_MAPPING) summary.reports.push(line);
  }

  error(mapping: string, code: string, message: string): void {
    this.summary(mapping).errors.push({ code, message });
    this.logger.warn({ mapping, code }, message);
  }

  /** Call a listener; one that throws is logged and ignored (it never stops the run). */
  emit(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.logger.warn({ err: error }, 'an engine event listener threw; ignored');
    }
  }
}
