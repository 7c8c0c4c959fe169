/**
 * `batch.updateMany` for WooCommerce: `PUT /<resource>/batch {"update":[…]}`, split so that
 * every request fits the shop's limits — at most 100 items (WooCommerce's own limit) and at
 * most `maxBodyBytes` of encoded body (the web server in front of the shop: nginx answers a
 * larger body with 413, for every record in it). Items are grouped in their order by their
 * encoded size; a single item that alone is over the limit is not sent and fails with a
 * reason naming its size and the limit. Should the shop still answer 413 to a batch (its
 * real limit is lower than configured), the batch is halved and each half sent again: a 413
 * means nothing of it was applied, so resending is safe; a single item refused with 413
 * fails alone.
 */
import { ConnectorError, isConnectorError } from '../errors.ts';
import type { BatchItemResult, BatchUpdateItem, EntityRecord, RecordId } from '../types.ts';
import type { WooApi } from './api.ts';
import { fromWpError, isWpError, SYSTEM } from './errors.ts';
import { opsToPartial, type SchemaNode } from './patch.ts';

/** WooCommerce accepts at most 100 items per batch call (create + update + delete). */
export const BATCH_LIMIT = 100;

/** `{"update":[` + `]}`: the bytes of the body around its items. */
const ENVELOPE_BYTES = Buffer.byteLength('{"update":[]}');

interface Prepared {
  index: number;
  id: RecordId;
  body: EntityRecord;
  bytes: number;
}

/**
 * Groups of consecutive items (by position in `sizes`) such that each group has at most
 * `maxItems` items and its encoded body (envelope, items, commas) at most `maxBytes`.
 * Items that alone exceed `maxBytes` are returned in `oversize`, in no group.
 */
export function groupBySize(
  sizes: readonly number[],
  maxItems: number,
  maxBytes: number,
): { groups: number[][]; oversize: number[] } {
  const groups: number[][] = [];
  const oversize: number[] = [];
  let current: number[] = [];
  let bytes = ENVELOPE_BYTES;
  sizes.forEach((size, i) => {
    if (ENVELOPE_BYTES + size > maxBytes) {
      oversize.push(i);
      return;
    }
    const added = current.length > 0 ? size + 1 : size; // the comma before it
    if (current.length > 0 && (current.length >= maxItems || bytes + added > maxBytes)) {
      groups.push(current);
      current = [];
      bytes = ENVELOPE_BYTES + size;
    } else bytes += added;
    current.push(i);
  });
  if (current.length > 0) groups.push(current);
  return { groups, oversize };
}

export async function updateMany(
  api: WooApi,
  route: string,
  schema: SchemaNode,
  items: BatchUpdateItem[],
  maxBodyBytes: number,
  signal?: AbortSignal,
): Promise<BatchItemResult[]> {
  const path = `/wp-json/wc/v3/${route}`;
  const results: Array<BatchItemResult | undefined> = items.map(() => undefined);
  const prepared: Prepared[] = [];
  items.forEach((item, index) => {
    try {
      const body = { ...opsToPartial(item.ops, schema, path), id: toWooId(item.id) };
      prepared.push({ index, id: item.id, body, bytes: Buffer.byteLength(JSON.stringify(body)) });
    } catch (error) {
      results[index] = { id: item.id, error: error as Error };
    }
  });
  const { groups, oversize } = groupBySize(
    prepared.map((p) => p.bytes),
    BATCH_LIMIT,
    maxBodyBytes,
  );
  for (const k of oversize) {
    const p = prepared[k]!;
    results[p.index] = {
      id: p.id,
      error: new ConnectorError(
        `${SYSTEM}: PUT ${path}: the update of record ${p.id} is ${p.bytes + ENVELOPE_BYTES} bytes encoded, over the shop's request body limit of ${maxBodyBytes} bytes (option max_body_bytes; nginx client_max_body_size): not sent`,
        { system: SYSTEM, kind: 'validation', method: 'PUT', path },
      ),
    };
  }
  for (const group of groups) {
    await send(
      api,
      route,
      path,
      group.map((k) => prepared[k]!),
      results,
      signal,
    );
  }
  return results as BatchItemResult[];
}

async function send(
  api: WooApi,
  route: string,
  path: string,
  batch: Prepared[],
  results: Array<BatchItemResult | undefined>,
  signal?: AbortSignal,
): Promise<void> {
  try {
    const { body } = await api.request<{ update?: unknown[] }>('PUT', route, {
      body: { update: batch.map((p) => p.body) },
      ...(signal ? { signal } : {}),
    });
    const answers = Array.isArray(body.update) ? body.update : [];
    batch.forEach((p, k) => {
      results[p.index] = batchItemResult(p.id, answers[k], path);
    });
  } catch (error) {
    // 413 from the front server: nothing was applied; halve until each part fits (or one
    // item is refused alone).
    if (batch.length > 1 && isConnectorError(error) && error.status === 413) {
      const half = Math.ceil(batch.length / 2);
      await send(api, route, path, batch.slice(0, half), results, signal);
      await send(api, route, path, batch.slice(half), results, signal);
      return;
    }
    for (const p of batch) results[p.index] = { id: p.id, error: error as Error };
  }
}

function batchItemResult(id: RecordId, answer: unknown, path: string): BatchItemResult {
  if (typeof answer !== 'object' || answer === null) {
    return {
      id,
      error: new ConnectorError(`${SYSTEM}: PUT ${path}: no answer for item ${id}`, {
        system: SYSTEM,
        kind: 'ambiguous',
        method: 'PUT',
        path,
      }),
    };
  }
  const error = (answer as { error?: unknown }).error;
  if (isWpError(error)) return { id, error: fromWpError(error, 400, 'PUT', path) };
  return { id, record: answer as EntityRecord };
}

function toWooId(id: RecordId): number {
  const n = Number(id);
  return Number.isInteger(n) ? n : (id as unknown as number);
}
