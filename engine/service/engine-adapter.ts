/**
 * The service's port (ports.ts) on the real `SyncEngine` and link store.
 *
 * - The service schedules *units*: every mapping that is not a fan-out child. A child
 *   (sales order lines under sales orders) runs with its parent (`SyncEngine.run` takes the
 *   children along, `syncRecord` processes them), so it has no worker of its own; its
 *   failed records are shown and retried with its parent's.
 * - A unit's lock set: its own name plus the units of every mapping it (or a child) may
 *   write through: `$link` dependencies with the `create` policy. Two runs can then never
 *   create the same record.
 * - Failed records and link counts are read from the link store (`MappingState`).
 */
import type { CompiledMapping } from '../mapping/model.ts';
import type { StateBackend } from '../store/sync-state.ts';
import { MappingState } from '../store/sync-state.ts';
import type { SyncEngine } from '../sync/engine.ts';
import type { EngineEvents, RunSummary } from '../sync/events.ts';
import type {
  ActionCount,
  FailedRecordView,
  MappingInfo,
  RunRequest,
  RunResult,
  ServiceEngine,
  ServiceEvents,
  WorkItem,
} from './ports.ts';

export interface EngineAdapterOptions {
  engine: SyncEngine;
  /** Compiled mappings (dependency order). */
  mappings: readonly CompiledMapping[];
  store: StateBackend;
  /** System name → connector kind, to name the system whose credentials a run saw refused. */
  systemKinds: Readonly<Record<string, string>>;
}

export function unitOf(mappings: readonly CompiledMapping[], name: string): string {
  let current = mappings.find((m) => m.name === name);
  const seen = new Set<string>();
  while (current?.fanOut && !seen.has(current.name)) {
    seen.add(current.name);
    const parent = current.fanOut.parent;
    current = mappings.find((m) => m.name === parent);
  }
  return current?.name ?? name;
}

/** The scheduling units with their members and lock sets. */
export function planUnits(mappings: readonly CompiledMapping[]): Array<MappingInfo & { members: string[] }> {
  const units = mappings.filter((m) => !m.fanOut);
  return units.map((unit) => {
    const members = mappings.filter((m) => unitOf(mappings, m.name) === unit.name).map((m) => m.name);
    const locks = new Set<string>();
    const waits = new Set<string>();
    for (const member of members) {
      const mapping = mappings.find((m) => m.name === member)!;
      for (const dep of mapping.dependencies) {
        const depUnit = unitOf(mappings, dep.mapping);
        if (depUnit === unit.name) continue;
        if (dep.onMissing === 'create') locks.add(depUnit);
        else waits.add(depUnit);
      }
    }
    return {
      name: unit.name,
      ...(unit.description ? { description: unit.description } : {}),
      source: { system: unit.source.system, entity: unit.source.entity },
      target: { system: unit.target.system, entity: unit.target.entity },
      direction: unit.direction,
      locksWith: [...locks].sort(),
      ...(waits.size > 0 ? { waitsFor: [...waits].sort() } : {}),
      children: members
        .filter((name) => name !== unit.name)
        .map((name) => {
          const child = mappings.find((m) => m.name === name)!;
          return {
            name,
            source: { system: child.source.system, entity: child.source.entity },
            target: { system: child.target.system, entity: child.target.entity },
          };
        }),
      members,
    };
  });
}

/** Engine events → service events (metrics, live feed). */
export function bridgeEvents(events: ServiceEvents): EngineEvents {
  return {
    recordProcessed(event) {
      events.record({
        mapping: event.mapping,
        side: event.side,
        id: event.id,
        outcome: event.outcome,
        ...(event.direction !== 'none' ? { direction: event.direction } : {}),
        ...(event.properties.length > 0 ? { properties: event.properties } : {}),
        ...(event.reason ? { reason: event.code ? `${event.code}: ${event.reason}` : event.reason } : {}),
      });
    },
    conflictDecided(decision) {
      events.conflict?.({
        mapping: decision.mapping,
        sourceId: decision.sourceId,
        targetId: decision.targetId,
        property: decision.property,
        winner: decision.winner,
        policy: decision.policy,
      });
    },
  };
}

/**
 * What the link store alone answers about a tenant's units: their failed records and link
 * counts (the service's port below, and the fleet's web role, which runs no engine).
 */
export function storeReads(
  units: ReadonlyArray<Pick<MappingInfo, 'name'> & { members: string[] }>,
  store: StateBackend,
): Pick<ServiceEngine, 'failedRecords' | 'linkCount'> & {
  actionCounts(unit: string): Promise<ActionCount[]>;
} {
  const membersOf = (unit: string) => units.find((u) => u.name === unit)?.members ?? [unit];
  return {
    async failedRecords(unit) {
      const all: FailedRecordView[] = [];
      for (const member of membersOf(unit)) {
        const { failed } = await new MappingState(member, store).scanMeta();
        for (const f of failed) {
          all.push({
            mapping: f.mapping,
            side: f.side,
            id: f.id,
            reason: f.reason,
            code: f.code,
            failedAt: f.at,
            firstFailedAt: f.firstAt,
            attempts: f.attempts,
            ...(f.stoppedAt ? { stopped: true } : { nextRetryAt: f.nextAttemptAt }),
          });
        }
      }
      return all.sort((a, b) => b.failedAt.localeCompare(a.failedAt));
    },
    async linkCount(unit) {
      let count = 0;
      for await (const link of new MappingState(unit, store).allLinks()) if (!link.virtual) count++;
      return count;
    },
    async actionCounts(unit) {
      const counts = new Map<string, ActionCount>();
      for (const member of membersOf(unit)) {
        for await (const link of new MappingState(member, store).allLinks()) {
          if (link.virtual || !link.actions) continue;
          const seen = new Set<string>();
          for (const stored of Object.keys(link.actions)) {
            const name = stored.split(':')[0]!;
            const entry = counts.get(name) ?? { name, records: 0, made: 0 };
            entry.made++;
            if (!seen.has(name)) entry.records++;
            seen.add(name);
            counts.set(name, entry);
          }
        }
      }
      return [...counts.values()];
    },
  };
}

export function engineAdapter(options: EngineAdapterOptions): ServiceEngine {
  const { engine, store } = options;
  const units = planUnits(options.mappings);
  const reads = storeReads(units, store);
  const failedOf = reads.failedRecords;

  const toResult = (unit: string, summary: RunSummary): RunResult => {
    const counts: Record<string, number> = {};
    const errors: Array<{ mapping: string; code: string; message: string }> = [];
    for (const m of summary.mappings) {
      for (const [outcome, n] of Object.entries(m.counts))
        if (n > 0) counts[outcome] = (counts[outcome] ?? 0) + n;
      errors.push(...m.errors.map((e) => ({ mapping: m.mapping, ...e })));
    }
    if (summary.storeError)
      errors.unshift({ mapping: unit, code: 'STORE_UNAVAILABLE', message: summary.storeError });
    const info = units.find((u) => u.name === unit);
    const auth = errors.find((e) => e.code === 'CONNECTOR_AUTH');
    const authSystem =
      auth && info
        ? [info.source.system, info.target.system].find((s) =>
            auth.message.startsWith(`${options.systemKinds[s] ?? s}:`),
          )
        : undefined;
    if (errors.length > 0) {
      return {
        status: 'failed',
        counts,
        error: errors.map((e) => e.message).join('; '),
        errors: errors.map(({ mapping, code }) => ({ mapping, code })),
        ...(authSystem ? { authFailedSystem: authSystem } : {}),
      };
    }
    return { status: summary.aborted ? 'aborted' : 'ok', counts };
  };

  return {
    mappings: units.map(({ members: _members, ...info }) => info),

    async run(request: RunRequest): Promise<RunResult> {
      const summary = await engine.run({
        mappings: [request.mapping],
        mode: request.mode,
        signal: request.signal,
      });
      return toResult(request.mapping, summary);
    },

    async syncRecord(item: WorkItem, signal: AbortSignal): Promise<void> {
      // A shutdown waits for the record, but not for an expression still evaluating: the
      // signal stops it in its worker (the record fails as interrupted, due at once).
      await engine.syncRecord(
        {
          mapping: item.mapping,
          side: item.side,
          id: item.id,
          reason: 'webhook',
          ...(item.event === 'deleted' ? { deleted: true } : {}),
        },
        signal,
      );
    },

    failedRecords: failedOf,

    async retryFailed(unit, id, signal) {
      const before = await failedOf(unit);
      const chosen = before.filter((f) => id === undefined || f.id === id);
      if (chosen.length === 0) return { retried: 0, succeeded: 0 };
      await engine.run({
        mappings: [unit],
        mode: 'incremental',
        signal,
        // Only the failed records (and open intents): no listings, no deletes.
        retryOnly: true,
        retryFailed: true,
        ...(id === undefined ? { retryAllNow: true } : { retryIds: new Set([id]) }),
      });
      const after = new Set((await failedOf(unit)).map((f) => `${f.mapping}:${f.side}:${f.id}`));
      const succeeded = chosen.filter((f) => !after.has(`${f.mapping}:${f.side}:${f.id}`)).length;
      return { retried: chosen.length, succeeded };
    },

    linkCount: reads.linkCount,
    actionCounts: reads.actionCounts,
  };
}
