/**
 * One run of one mapping, in phases, after its run settings are read and its `checks:` hold
 * (checks.ts: a mismatch stops the mapping before any record):
 *
 * 0. resolve create intents a crashed run left behind (intents.ts)
 * 1. collect target changes (listing since the target cursor; complete when there is none):
 *    linked records whose mapped values or lock differ from the snapshot, unlinked ones
 *    (for create.in_source), and — when the listing is complete — the match index
 * 2. source pass: list source records page by page (since the source cursor, or complete
 *    for full-scan entities and full runs) and sync each with bounded concurrency; the
 *    source cursor is stored after each page is done
 * 3. linked pairs whose target changed but whose source did not
 * 4. unlinked target records (create.in_source): match or create in the source
 * 5. deletes (deletes.ts)
 * 6. failed records that are due
 * and finally the target cursor is stored: only now are its changes all handled.
 */
import { isConnectorError } from '../connectors/errors.ts';
import type { Page } from '../connectors/types.ts';
import { StoreError } from '../errors.ts';
import { runChecks } from '../mapping/run-checks.ts';
import { isDue } from './backoff.ts';
import { deletesPhase } from './deletes.ts';
import { recordContext } from './dependencies.ts';
import { expireGoneFailures } from './expire-failed.ts';
import { IdSet } from './id-set.ts';
import { resolveIntents } from './intents.ts';
import type { MappingRun } from './mapping-run.ts';
import { SettingsUnavailable } from './run-settings.ts';
import type { KnownLinks } from './run-types.ts';
import { listedTargetViewOf, matchesWhere, targetDiffers } from './views.ts';

/** Source pages whose records may be in flight at once (see `sourcePass`). */
const PAGES_IN_FLIGHT = 2;

export async function runMapping(mappingRun: MappingRun): Promise<void> {
  const { run, mapping } = mappingRun;
  try {
    await mappingRun.prepare();
  } catch (error) {
    if (!(error instanceof SettingsUnavailable)) throw error;
    run.reporter.summary(mapping.name);
    run.reporter.error(mapping.name, error.code, error.message);
    return;
  }
  run.reporter.summary(mapping.name);
  if (mapping.checks) {
    const problems = await runChecks(mapping.checks, mapping.name, mappingRun.settingsBindings);
    for (const p of problems)
      run.reporter.error(mapping.name, p.code, `${p.message}; mapping ${mapping.name} stopped`);
    if (problems.length > 0) return;
  }
  const fanOut = mapping.fanOut !== undefined;
  try {
    phase(mappingRun, 'recover');
    await resolveIntents(mappingRun);
    if (run.options.retryOnly) {
      phase(mappingRun, 'retry');
      await retryDue(mappingRun);
      await mappingRun.runs.drainWrites();
      return;
    }
    if (!fanOut) {
      phase(mappingRun, 'target changes');
      await collectTargetChanges(mappingRun);
    }
    phase(mappingRun, 'source');
    run.firstReads.reading(mapping.name);
    const sourceComplete = await sourcePass(mappingRun);
    // Aborted: what is in flight has finished; its batched writes and settled intents land.
    if (run.aborted()) return await mappingRun.runs.drainWrites();
    phase(mappingRun, 'target → source');
    await remainingTargetChanges(mappingRun);
    if (mapping.create.inSource && !fanOut) {
      phase(mappingRun, 'new in target');
      await unlinkedTargets(mappingRun);
    }
    await mappingRun.runs.drainWrites();
    if (run.aborted()) return;
    if (!fanOut) {
      phase(mappingRun, 'deletes');
      await deletesPhase(mappingRun, { sourceComplete });
    }
    await expireGoneFailures(mappingRun, { sourceComplete });
    if (run.options.retryFailed !== false) {
      phase(mappingRun, 'retry');
      await retryDue(mappingRun);
    }
    await mappingRun.runs.drainWrites();
    if (!run.aborted() && !run.dryRun && mappingRun.pendingTargetCursor !== undefined) {
      await mappingRun.state.setCursor('target', mappingRun.pendingTargetCursor);
    }
  } catch (error) {
    await mappingRun.runs.drainWrites().catch(() => {});
    if (error instanceof StoreError) throw error;
    if (isConnectorError(error)) {
      // The message starts with the system's kind (the service keys on it for auth failures).
      run.reporter.error(
        mapping.name,
        error.code,
        `${error.message} (mapping ${mapping.name} stopped${error.kind === 'auth' ? '; check the credentials' : ''})`,
      );
      return;
    }
    throw error;
  }
}

function phase(mappingRun: MappingRun, name: string): void {
  mappingRun.run.reporter.emit(() =>
    mappingRun.run.deps.events.mappingStarted?.({ mapping: mappingRun.mapping.name, phase: name }),
  );
}

async function collectTargetChanges(mappingRun: MappingRun): Promise<void> {
  const { run, mapping, target } = mappingRun;
  const cursor = run.options.mode === 'full' ? undefined : await mappingRun.state.getCursor('target');
  const complete = cursor === undefined;
  const index = complete ? mappingRun.indexes.newTargetIndex() : undefined;
  const seen = complete ? new IdSet() : undefined;
  // A complete listing another mapping of the level has in flight is joined (shared-listings.ts).
  const listing = run.listings.list(
    target.system,
    target.connector,
    target.entity,
    cursor ? { since: cursor } : {},
  );
  mappingRun.targetListingStarted(listing.startedAt);
  for await (const page of listing.pages) {
    const records = page.records.filter(
      (r) => matchesWhere(run.evaluator, mapping, r) && !target.descriptor.isGone?.(r),
    );
    const ids = records.map((r) => target.descriptor.idOf(r));
    for (const id of ids) seen?.add(id);
    const reverse = await mappingRun.state.reverseMany(ids);
    const linkedIds = reverse.map((r) => (r && !r.virtual ? r.sourceId : undefined));
    const links = await mappingRun.state.getLinks(linkedIds.filter((id): id is string => id !== undefined));
    const linkById = new Map(links.filter((l) => l !== undefined).map((l) => [l!.sourceId, l!]));
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const id = ids[i]!;
      const entry = reverse[i];
      const link = entry && !entry.virtual ? linkById.get(entry.sourceId) : undefined;
      const evaluation = recordContext(mappingRun);
      const view = await listedTargetViewOf(
        run.evaluator,
        mapping,
        id,
        record,
        evaluation.ctx,
        target.descriptor.modifiedAt(record),
      );
      const { guard, keys } = mappingRun.indexes.targetKeys(record);
      if (link) {
        if (targetDiffers(run.evaluator, mapping, link, view))
          mappingRun.targetChanges.set(link.sourceId, view);
        index?.add({ id, linkedTo: link.sourceId }, guard, keys);
      } else {
        index?.add({ id, projection: view }, guard, keys);
        if (!entry && mapping.create.inSource) mappingRun.unlinkedTargets.set(id, view);
      }
    }
    mappingRun.targetPageListed(page.cursor);
    run.reporter.summary(mapping.name).seen += page.records.length;
  }
  if (index) mappingRun.indexes.adoptTargetIndex(index);
  if (seen) mappingRun.listingComplete('target', seen);
}

/**
 * Returns whether the listing was complete and successful (deletes may be inferred).
 *
 * Pages overlap: while the last records of a page are still in flight (a slow write, a
 * timeout, a create being retried), the next page's records already take the free slots of
 * the shared concurrency limit, so no worker idles at a page boundary. At most
 * {@link PAGES_IN_FLIGHT} pages are open; a page's cursor is stored only once it and every
 * page before it are done (and their batched source writes have landed).
 */
async function sourcePass(mappingRun: MappingRun): Promise<boolean> {
  const { run, mapping, source } = mappingRun;
  const useCursor = run.options.mode !== 'full' && !mappingRun.sourceIsFullScan;
  const cursor = useCursor ? await mappingRun.state.getCursor('source') : undefined;
  const complete = cursor === undefined;
  const seen = complete ? new IdSet() : undefined;
  const limit = run.limit;
  let done = 0;
  const open: Array<{ page: Page; results: Promise<PromiseSettledResult<void>[]> }> = [];
  /** Wait for the oldest open page; store its cursor. False when the run was aborted. */
  const settleOldest = async (): Promise<boolean> => {
    const { page, results } = open.shift()!;
    rethrowFirst(await results);
    run.reporter.summary(mapping.name).seen += page.records.length;
    if (run.aborted()) return false;
    // Batched source writes of this page land before the cursor moves past it.
    await mappingRun.runs.drainWrites();
    if (page.cursor !== undefined && !mappingRun.sourceIsFullScan && !run.dryRun) {
      await mappingRun.state.setCursor('source', page.cursor);
    }
    return true;
  };
  try {
    for await (const page of source.connector.list(source.entity, {
      ...(cursor ? { since: cursor } : {}),
      ...(run.options.signal ? { signal: run.options.signal } : {}),
    })) {
      const live = page.records.filter((r) => !source.descriptor.isGone?.(r));
      const ids = live.map((r) => source.descriptor.idOf(r));
      for (const id of ids) seen?.add(id);
      const preload = await preloadLinks(mappingRun, ids);
      const results = Promise.allSettled(
        live.map((record, i) =>
          limit(() =>
            guarded(run, async () => {
              await mappingRun.processSource(record, 'change', preload.known(i));
            }).then(() => {
              done++;
              run.reporter.emit(() =>
                run.deps.events.progress?.({ mapping: mapping.name, phase: 'source', done }),
              );
            }),
          ),
        ),
      );
      results.finally(preload.done).catch(() => {});
      open.push({ page, results });
      while (open.length >= PAGES_IN_FLIGHT) if (!(await settleOldest())) return false;
      if (run.aborted()) return false;
    }
    while (open.length > 0) if (!(await settleOldest())) return false;
  } finally {
    // Never leave records in flight behind (an error, an abort): wait for every open page.
    await Promise.allSettled(open.map((o) => o.results));
  }
  if (seen) mappingRun.listingComplete('source', seen);
  return complete;
}

/**
 * The links of a page's records, read ahead in one `getMany` per namespace: the mapping's
 * own, and for a fan-out mapping its parent's too. `done()` when the page is settled.
 */
async function preloadLinks(
  mappingRun: MappingRun,
  ids: readonly string[],
): Promise<{ known: (i: number) => KnownLinks; done: () => void }> {
  const parentName = mappingRun.mapping.fanOut?.parent;
  const parentRun = parentName ? mappingRun.runs.get(parentName) : undefined;
  const mark = mappingRun.preload.started();
  const parentMark = parentRun?.preload.started() ?? 0;
  const done = () => {
    mappingRun.preload.done(mark);
    parentRun?.preload.done(parentMark);
  };
  try {
    const [links, parents] = await Promise.all([
      mappingRun.state.getLinks(ids),
      parentRun?.state.getLinks(ids),
    ]);
    return {
      known: (i) => ({
        link: links[i],
        mark,
        ...(parents ? { parent: { link: parents[i], mark: parentMark } } : {}),
      }),
      done,
    };
  } catch (error) {
    done();
    throw error;
  }
}

async function remainingTargetChanges(mappingRun: MappingRun): Promise<void> {
  const limit = mappingRun.run.limit;
  const pending = [...mappingRun.targetChanges].filter(([sourceId]) => !mappingRun.processed.has(sourceId));
  const results = await Promise.allSettled(
    pending.map(([sourceId, view]) =>
      limit(() => guarded(mappingRun.run, () => mappingRun.processTargetChange(sourceId, view))),
    ),
  );
  rethrowFirst(results);
}

async function unlinkedTargets(mappingRun: MappingRun): Promise<void> {
  const limit = mappingRun.run.limit;
  const pending = [...mappingRun.unlinkedTargets.values()].filter(
    (v) => !mappingRun.processedTargets.has(v.id),
  );
  const results = await Promise.allSettled(
    pending.map((view) => limit(() => guarded(mappingRun.run, () => mappingRun.processUnlinkedTarget(view)))),
  );
  rethrowFirst(results);
}

/** Phase 6: failed records whose next attempt is due (or all, for `mapsync retry`). */
async function retryDue(mappingRun: MappingRun): Promise<void> {
  const { run } = mappingRun;
  const now = run.now().getTime();
  const due = [...mappingRun.failed.values()].filter((f) => {
    if (f.side === 'source' ? mappingRun.processed.has(f.id) : mappingRun.processedTargets.has(f.id))
      return false;
    return isDue(f, now, run.options);
  });
  const limit = run.limit;
  const results = await Promise.allSettled(
    due.map((f) => limit(() => guarded(run, () => mappingRun.retry(f.side, f.id)))),
  );
  rethrowFirst(results);
}

/** Run one record's work; a store failure marks the run so that no further write is sent. */
async function guarded(run: MappingRun['run'], fn: () => Promise<unknown>): Promise<void> {
  if (run.stopping()) return;
  try {
    await fn();
  } catch (error) {
    run.writer.noteFailure(error);
    throw error;
  }
}

function rethrowFirst(results: PromiseSettledResult<unknown>[]): void {
  const storeFailure = results.find((r) => r.status === 'rejected' && r.reason instanceof StoreError);
  const failure = storeFailure ?? results.find((r) => r.status === 'rejected');
  if (failure && failure.status === 'rejected') throw failure.reason;
}
