/**
 * The only place connector write methods are called. It applies what the record work
 * decided: in a dry run it sends nothing (a create answers with a placeholder id), updates
 * of batch-capable entities are queued and sent in batches (batch-queue.ts), and the first
 * store failure latches: from then on no write is sent and writes still waiting for the
 * rate limiter are cancelled (`writeSignal`).
 */
import type {
  BatchWrites,
  EntityRecord,
  OperationRequest,
  OperationResult,
  PatchOperation,
  RemoveMode,
  WriteOptions,
} from '../connectors/types.ts';
import { StoreError } from '../errors.ts';
import { BatchQueue, type StillAsRead } from './batch-queue.ts';
import type { PayloadCheck } from './payload-validator.ts';
import type { SideBinding } from './run-types.ts';

export class RunWriter {
  private readonly queues = new Map<string, BatchQueue>();
  private placeholders = 0;
  /** Set on the first store failure: from then on no write is sent, the run stops. */
  private failure: StoreError | undefined;
  /** Aborted on the first store failure: writes still waiting to be sent are cancelled. */
  private readonly storeDown = new AbortController();

  constructor(
    private readonly validator: PayloadCheck,
    readonly dryRun: boolean,
  ) {}

  /** The store failure that stopped this run's writes, if any. */
  get fatal(): StoreError | undefined {
    return this.failure;
  }

  /** The signal every write carries (WriteOptions.signal): aborted when the store fails. */
  get writeSignal(): AbortSignal {
    return this.storeDown.signal;
  }

  /** Record a store failure; later writes of this run are refused. True for the first one (the latch). */
  noteFailure(error: unknown): boolean {
    if (!(error instanceof StoreError) || this.failure) return false;
    this.failure = error;
    this.storeDown.abort(error);
    return true;
  }

  /** An id for a record a dry run would create (see `isPlaceholder`). */
  nextPlaceholder(): string {
    return String(-(900_000_000 + ++this.placeholders));
  }

  async create(
    binding: SideBinding,
    data: EntityRecord,
    options?: WriteOptions,
  ): Promise<{ id: string; record: EntityRecord }> {
    this.assertHealthy();
    if (this.dryRun) return { id: this.nextPlaceholder(), record: data };
    const record = await this.write(() =>
      binding.connector.create(binding.entity, data, this.withSignal(options)),
    );
    return { id: binding.descriptor.idOf(record), record };
  }

  async createWithChildren(
    binding: SideBinding,
    data: EntityRecord,
    childEntity: string,
    children: EntityRecord[],
  ): Promise<{ id: string; record: EntityRecord; children: EntityRecord[] }> {
    this.assertHealthy();
    if (this.dryRun) return { id: this.nextPlaceholder(), record: data, children };
    const created = await this.write(() =>
      binding.connector.withChildren!.createWithChildren(
        binding.entity,
        data,
        childEntity,
        children,
        this.withSignal(),
      ),
    );
    return { id: binding.descriptor.idOf(created.record), ...created };
  }

  /**
   * Apply ops; returns the record as stored afterwards when the connector says. With
   * `stillAsRead`, a batched write is dropped right before it is sent when the record was
   * modified since it was read (it rejects with `ChangedSinceRead`; see batch-queue.ts).
   */
  async update(
    binding: SideBinding,
    id: string,
    ops: PatchOperation[],
    options?: WriteOptions & { stillAsRead?: StillAsRead },
  ): Promise<EntityRecord | undefined> {
    this.assertHealthy();
    // What an update writes must fit the entity's limits as a create would (plans too).
    this.validator.checkPatch?.(binding.descriptor.schema, ops, `${binding.entity} ${id} update`);
    if (this.dryRun || ops.length === 0) return undefined;
    const { stillAsRead, ...writeOptions } = options ?? {};
    const batch = binding.connector.batch;
    if (batch && !writeOptions.parentId) {
      const queue = this.queueFor(binding, batch);
      return this.write(() => queue.update(id, ops, stillAsRead));
    }
    return this.write(() => binding.connector.update(binding.entity, id, ops, this.withSignal(writeOptions)));
  }

  async remove(binding: SideBinding, id: string, mode: RemoveMode, options?: WriteOptions): Promise<void> {
    this.assertHealthy();
    if (this.dryRun) return;
    await this.write(() => binding.connector.remove(binding.entity, id, mode, this.withSignal(options)));
  }

  /**
   * A record operation of a connector (mapping actions, engine/sync/actions.ts): never in a
   * dry run (the caller plans instead), carrying the run's store signal like every write.
   */
  async perform(binding: SideBinding, request: OperationRequest): Promise<OperationResult> {
    this.assertHealthy();
    const operations = binding.connector.operations;
    if (!operations) throw new Error(`${binding.system} has no record operations`);
    return this.write(() => operations.perform(request, this.withSignal()));
  }

  /** Send every queued batch update and wait for them. */
  async drain(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.drain()));
  }

  private queueFor(binding: SideBinding, batch: BatchWrites): BatchQueue {
    const key = `${binding.system}/${binding.entity}`;
    let queue = this.queues.get(key);
    if (!queue) {
      const { connector, entity, descriptor } = binding;
      const signal = this.writeSignal;
      queue = new BatchQueue(batch, entity, {
        signal,
        ...(connector.getMany
          ? {
              reRead: async (ids) =>
                new Map(
                  (await connector.getMany!(entity, ids, { signal })).map((r) => [descriptor.idOf(r), r]),
                ),
            }
          : {}),
      });
      this.queues.set(key, queue);
    }
    return queue;
  }

  /**
   * A write that fails once the store is down (typically: cancelled before it was sent)
   * reports the store failure, not a record failure: the run is stopping.
   */
  private async write<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (this.failure) throw this.failure;
      throw error;
    }
  }

  private assertHealthy(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * Every write carries the run's store signal: when the store fails, writes still waiting
   * to be sent (for the rate limiter, a token) are cancelled. A write already sent is never
   * aborted half-way (an aborted POST would be "ambiguous" for nothing): connectors honour
   * the signal only until the request leaves (engine/connectors/http/client.ts).
   */
  private withSignal(options?: WriteOptions): WriteOptions {
    return { ...options, signal: this.writeSignal };
  }
}
