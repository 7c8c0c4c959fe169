/**
 * What every wc/v3 route handler shares: the request/result shapes, the permission check
 * (anonymous → 401 `woocommerce_rest_cannot_*`), body and `force` parsing, and WooCommerce's
 * batch envelope (`{create, update, delete}`, ≤ 100 items, per-item errors, HTTP 200).
 */
import { bool, ParamErrors, type Query } from './collection.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';
import type { WebhookHub } from './webhooks.ts';
import { WpError } from './wp-error.ts';

export interface ApiRequest {
  method: string;
  /** Route inside the REST API, e.g. `/wc/v3/customers/5`. */
  route: string;
  query: Query;
  body: unknown;
  authenticated: boolean;
  url: URL;
}

export interface ApiResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RouterContext {
  shop: Shop;
  hub: WebhookHub;
  webhookSecret: string;
}

export const BATCH_LIMIT = 100;
export const WRITE = new Set(['POST', 'PUT', 'PATCH']);

export type Action = 'list' | 'view' | 'create' | 'edit' | 'delete' | 'batch';

export function denied(action: Action): WpError {
  const messages: Record<Action, [string, string]> = {
    list: ['woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.'],
    view: ['woocommerce_rest_cannot_view', 'Sorry, you cannot view this resource.'],
    create: ['woocommerce_rest_cannot_create', 'Sorry, you are not allowed to create resources.'],
    edit: ['woocommerce_rest_cannot_edit', 'Sorry, you are not allowed to edit this resource.'],
    delete: ['woocommerce_rest_cannot_delete', 'Sorry, you are not allowed to delete this resource.'],
    batch: ['woocommerce_rest_cannot_batch', 'Sorry, you are not allowed to batch manipulate this resource.'],
  };
  const [code, message] = messages[action];
  return new WpError(code, message, 401);
}

/** Throws the permission error unless the request is authenticated. */
export function requireAuth(request: ApiRequest, action: Action): void {
  if (!request.authenticated) throw denied(action);
}

export function objectBody(body: unknown): Rec {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Rec) : {};
}

export function force(query: Query, body: Rec): boolean {
  const errors = new ParamErrors();
  const fromQuery = bool(query, 'force', errors);
  errors.throwIfAny();
  return fromQuery ?? (body.force === true || body.force === 'true');
}

export interface BatchOps {
  create(body: Rec): Rec;
  update(id: number, body: Rec): Rec;
  remove(id: number): Rec;
  /** Error for an update item without a numeric id. */
  invalidId(): WpError;
}

/** `WC_REST_Controller::batch_items`. */
export function batchItems(body: Rec, ops: BatchOps): Rec {
  const creates = Array.isArray(body.create) ? (body.create as unknown[]) : [];
  const updates = Array.isArray(body.update) ? (body.update as unknown[]) : [];
  const deletes = Array.isArray(body.delete) ? (body.delete as unknown[]) : [];
  if (creates.length + updates.length + deletes.length > BATCH_LIMIT) {
    throw new WpError(
      'woocommerce_rest_request_entity_too_large',
      `Unable to accept more than ${BATCH_LIMIT} items for this request.`,
      413,
    );
  }
  const attempt = (id: unknown, fn: () => Rec): Rec => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof WpError) return { id: typeof id === 'number' ? id : 0, error: error.body() };
      throw error;
    }
  };
  const out: Rec = {};
  if (body.create !== undefined)
    out.create = creates.map((item) => attempt(0, () => ops.create(objectBody(item))));
  if (body.update !== undefined) {
    out.update = updates.map((item) => {
      const fields = objectBody(item);
      const id = fields.id;
      return attempt(id, () => {
        if (typeof id !== 'number') throw ops.invalidId();
        const { id: _id, ...rest } = fields;
        return ops.update(id, rest);
      });
    });
  }
  if (body.delete !== undefined)
    out.delete = deletes.map((id) => attempt(Number(id), () => ops.remove(Number(id))));
  return out;
}

/** A family of routes: answers the request, or `undefined` when the path is not its own. */
export type SubRouter = (ctx: RouterContext, request: ApiRequest, body: Rec) => ApiResult | undefined;

/** A successful answer. */
export function ok(body: unknown, status = 200, headers?: Record<string, string>): ApiResult {
  return { status, body, ...(headers ? { headers } : {}) };
}
