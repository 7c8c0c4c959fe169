/**
 * The engine's typed state on top of the keyv namespaces (store layout version 1, see
 * docs/store-layout.md). Per mapping there are three namespaces:
 *
 * - `mapsync.v1.<mapping>.links`   source id → {@link LinkRecord} (ids, merge base, hashes)
 * - `mapsync.v1.<mapping>.targets` target id → source id (the reverse index)
 * - `mapsync.v1.<mapping>.meta`    `cursor.<side>`, `intent.<side>.<id>`, `failed.<side>.<id>`,
 *                                   `action.<action>.<sourceId>` (action intents)
 *
 * Every method either succeeds or throws a `StoreError`; "not found" is `undefined`, never
 * an error swallowed into `undefined`.
 */
import type { Side } from '../mapping/model.ts';

export const STORE_LAYOUT_VERSION = 1;

/** Links read at once at most (MappingState.getLinks): 25 snapshots of 400 kB are 10 MB of JSON. */
export const LINK_SLICE = 25;

/** The subset of `KeyvNamespace` the engine uses; the dry-run overlay implements it too. */
export interface NamespaceStore<V> {
  get(key: string): Promise<V | undefined>;
  getMany(keys: readonly string[]): Promise<Array<V | undefined>>;
  set(key: string, value: V): Promise<void>;
  delete(key: string): Promise<void>;
  /** Optional: several keys deleted at once (otherwise one `delete` each). */
  deleteMany?(keys: readonly string[]): Promise<void>;
  entries(): AsyncGenerator<[string, V]>;
}

/** One entry of a {@link StateBackend.writeMany}. */
export interface StoreWrite {
  namespace: string;
  key: string;
  value: unknown;
}

/** Anything that hands out namespaces: `StoreBackend` from open-store.ts, or an overlay. */
export interface StateBackend {
  readonly description: string;
  namespace<V>(name: string): NamespaceStore<V>;
  /**
   * Optional: entries of several namespaces written together, all or none (SQLite: one
   * statement). Without it they are written one by one, in order.
   */
  writeMany?(writes: readonly StoreWrite[]): Promise<void>;
}

/** Write entries together where the backend can, else one by one in order. */
export async function writeAll(backend: StateBackend, writes: readonly StoreWrite[]): Promise<void> {
  if (writes.length === 0) return;
  if (backend.writeMany && writes.length > 1) return backend.writeMany(writes);
  for (const w of writes) await backend.namespace<unknown>(w.namespace).set(w.key, w.value);
}

// The record shapes live in records.ts; importers of this module keep finding them here.
export type {
  ActionIntent,
  ActionState,
  ChildLink,
  FailedRecord,
  FailedRequest,
  IntentRecord,
  LinkOrigin,
  LinkRecord,
  Snapshot,
} from './records.ts';

import type { ActionIntent, FailedRecord, IntentRecord, LinkRecord } from './records.ts';

const NAME = /^[a-z0-9][a-z0-9.-]*$/;

export function namespaceFor(mapping: string, part: 'links' | 'targets' | 'meta'): string {
  const ns = `mapsync.v${STORE_LAYOUT_VERSION}.${mapping}.${part}`;
  if (!NAME.test(ns)) throw new Error(`mapping name "${mapping}" cannot be used as a store namespace`);
  return ns;
}

type MetaValue = string | IntentRecord | FailedRecord | ActionIntent;

/** A reverse-index entry: the source id owning a target id, or a virtual link's (`~id`). */
export interface ReverseEntry {
  sourceId: string;
  virtual: boolean;
}

function parseReverse(value: string | undefined): ReverseEntry | undefined {
  if (value === undefined) return undefined;
  return value.startsWith('~')
    ? { sourceId: value.slice(1), virtual: true }
    : { sourceId: value, virtual: false };
}

export interface MappingStateOptions {
  /**
   * Keep the reverse index (`targets`); default true. Fan-out mappings keep none: their
   * links are keyed by the parent's source id and nobody looks children up by target id.
   */
  reverseIndex?: boolean;
  /** Told of every link written or deleted through this state (run-level caches). */
  onLinkChange?(sourceId: string, link: LinkRecord | undefined): void;
}

/** The state of one mapping. Cheap to construct; holds no data itself. */
export class MappingState {
  readonly links: NamespaceStore<LinkRecord>;
  readonly targets: NamespaceStore<string>;
  readonly meta: NamespaceStore<MetaValue>;
  private readonly reverseIndex: boolean;

  constructor(
    readonly mapping: string,
    private readonly backend: StateBackend,
    private readonly options: MappingStateOptions = {},
  ) {
    this.links = backend.namespace<LinkRecord>(namespaceFor(mapping, 'links'));
    this.targets = backend.namespace<string>(namespaceFor(mapping, 'targets'));
    this.meta = backend.namespace<MetaValue>(namespaceFor(mapping, 'meta'));
    this.reverseIndex = options.reverseIndex !== false;
  }

  getLink(sourceId: string): Promise<LinkRecord | undefined> {
    return this.links.get(sourceId);
  }

  /**
   * Links are read LINK_SLICE at a time, with a turn of the event loop between slices: each
   * is parsed from its stored JSON, and with hostile records (snapshots of hundreds of kB)
   * the links of a listing page of 1,000 parsed in one go kept the service from answering
   * anything for seconds (`npm run fuzz`).
   */
  async getLinks(sourceIds: readonly string[]): Promise<Array<LinkRecord | undefined>> {
    if (sourceIds.length <= LINK_SLICE) return this.links.getMany(sourceIds);
    const out: Array<LinkRecord | undefined> = [];
    for (let i = 0; i < sourceIds.length; i += LINK_SLICE) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      out.push(...(await this.links.getMany(sourceIds.slice(i, i + LINK_SLICE))));
    }
    return out;
  }

  /** Who a target id is linked to (see {@link ReverseEntry}). */
  async reverse(targetId: string): Promise<ReverseEntry | undefined> {
    return parseReverse(await this.targets.get(targetId));
  }

  async reverseMany(targetIds: readonly string[]): Promise<Array<ReverseEntry | undefined>> {
    return (await this.targets.getMany(targetIds)).map(parseReverse);
  }

  /**
   * Write the link and its reverse-index entry — together, in one statement where the
   * backend can (`writeMany`), else the link first (a crash in between is repaired by the
   * next put). `previous`: the link as stored before; when its target is the same, the
   * reverse entry is already right and is not written again. A virtual link is recorded in
   * the reverse index as `~<sourceId>` only while no real link owns that target; a real link
   * always takes the entry over.
   */
  async putLink(link: LinkRecord, previous?: LinkRecord): Promise<void> {
    if (link.virtual && this.reverseIndex) {
      await this.links.set(link.sourceId, link);
      const current = parseReverse(await this.targets.get(link.targetId));
      if (!current || current.virtual) await this.targets.set(link.targetId, `~${link.sourceId}`);
      this.options.onLinkChange?.(link.sourceId, link);
      return;
    }
    await writeAll(this.backend, this.linkWrites(link, previous));
    this.linkWritten(link);
  }

  /**
   * What storing a (non-virtual) link writes, for callers that store several links in one
   * `writeAll` (a sales order and its lines); call {@link linkWritten} once it is stored.
   */
  linkWrites(link: LinkRecord, previous?: LinkRecord): StoreWrite[] {
    const writes: StoreWrite[] = [
      { namespace: namespaceFor(this.mapping, 'links'), key: link.sourceId, value: link },
    ];
    const sameTarget = previous && previous.targetId === link.targetId && !previous.virtual;
    if (this.reverseIndex && !link.virtual && !sameTarget) {
      writes.push({
        namespace: namespaceFor(this.mapping, 'targets'),
        key: link.targetId,
        value: link.sourceId,
      });
    }
    return writes;
  }

  linkWritten(link: LinkRecord): void {
    this.options.onLinkChange?.(link.sourceId, link);
  }

  async deleteLink(link: LinkRecord): Promise<void> {
    if (this.reverseIndex) {
      const current = parseReverse(await this.targets.get(link.targetId));
      if (current && current.sourceId === link.sourceId) await this.targets.delete(link.targetId);
    }
    await this.links.delete(link.sourceId);
    this.options.onLinkChange?.(link.sourceId, undefined);
  }

  async *allLinks(): AsyncGenerator<LinkRecord> {
    for await (const [, link] of this.links.entries()) yield link;
  }

  async getCursor(side: Side): Promise<string | undefined> {
    const value = await this.meta.get(`cursor.${side}`);
    return typeof value === 'string' ? value : undefined;
  }

  setCursor(side: Side, cursor: string): Promise<void> {
    return this.meta.set(`cursor.${side}`, cursor);
  }

  deleteCursor(side: Side): Promise<void> {
    return this.meta.delete(`cursor.${side}`);
  }

  /** `from` is the side of the record that drives the create (source for creates in the target). */
  async getIntent(from: Side, id: string): Promise<IntentRecord | undefined> {
    return (await this.meta.get(`intent.${from}.${id}`)) as IntentRecord | undefined;
  }

  setIntent(from: Side, id: string, intent: IntentRecord): Promise<void> {
    return this.meta.set(`intent.${from}.${id}`, intent);
  }

  deleteIntent(from: Side, id: string): Promise<void> {
    return this.meta.delete(`intent.${from}.${id}`);
  }

  /** Several intents at once (one statement where the store can). */
  async deleteIntents(intents: ReadonlyArray<{ from: Side; id: string }>): Promise<void> {
    const keys = intents.map(({ from, id }) => `intent.${from}.${id}`);
    if (this.meta.deleteMany) await this.meta.deleteMany(keys);
    else for (const key of keys) await this.meta.delete(key);
  }

  async getFailed(side: Side, id: string): Promise<FailedRecord | undefined> {
    return (await this.meta.get(`failed.${side}.${id}`)) as FailedRecord | undefined;
  }

  setFailed(record: FailedRecord): Promise<void> {
    return this.meta.set(`failed.${record.side}.${record.id}`, record);
  }

  deleteFailed(side: Side, id: string): Promise<void> {
    return this.meta.delete(`failed.${side}.${id}`);
  }

  getActionIntent(action: string, sourceId: string): Promise<ActionIntent | undefined> {
    return this.meta.get(`action.${action}.${sourceId}`) as Promise<ActionIntent | undefined>;
  }

  setActionIntent(intent: ActionIntent): Promise<void> {
    return this.meta.set(`action.${intent.action}.${intent.sourceId}`, intent);
  }

  deleteActionIntent(action: string, sourceId: string): Promise<void> {
    return this.meta.delete(`action.${action}.${sourceId}`);
  }

  /** Pending intents and failed records, read in one pass over the meta namespace. */
  async scanMeta(): Promise<{
    intents: Array<{ from: Side; id: string; intent: IntentRecord }>;
    failed: FailedRecord[];
    actionIntents: ActionIntent[];
  }> {
    const intents: Array<{ from: Side; id: string; intent: IntentRecord }> = [];
    const failed: FailedRecord[] = [];
    const actionIntents: ActionIntent[] = [];
    for await (const [key, value] of this.meta.entries()) {
      if (key.startsWith('intent.')) {
        const rest = key.slice('intent.'.length);
        const dot = rest.indexOf('.');
        intents.push({
          from: rest.slice(0, dot) as Side,
          id: rest.slice(dot + 1),
          intent: value as IntentRecord,
        });
      } else if (key.startsWith('failed.')) {
        failed.push(value as FailedRecord);
      } else if (key.startsWith('action.')) {
        actionIntents.push(value as ActionIntent);
      }
    }
    return { intents, failed, actionIntents };
  }
}
