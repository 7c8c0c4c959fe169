/**
 * `/customers`: WordPress users seen through WooCommerce.
 *
 * Create: `email` required (`rest_missing_callback_param`); a malformed e-mail is
 * `customer_invalid_email` (the create route skips the schema's format check); a taken one
 * `registration-error-email-exists` (compared case-insensitively, like MySQL's default
 * collation); role is always `customer`; username generated from the e-mail when omitted.
 * Update: malformed e-mail is `rest_invalid_param`; an e-mail that exists (looked up
 * case-insensitively, so also a case-only change of the customer's own address)
 * `woocommerce_rest_customer_invalid_email`; a changed username
 * `woocommerce_rest_customer_invalid_argument`; users whose role is not customer/subscriber
 * cannot change e-mail or password. Delete needs `force=true` (501 otherwise) and resets
 * `customer_id` to 0 on the user's orders. Missing users are 404 `wc_user_invalid_id`.
 */
import { createHash } from 'node:crypto';
import {
  bool,
  first,
  intList,
  oneOf,
  ParamErrors,
  pageHeaders,
  paginate,
  paging,
  type Query,
  sortBy,
} from './collection.ts';
import { ADDRESS_KEYS, assignScalars, emptyAddress, mergeAddress, upsertMeta } from './common-fields.ts';
import type { Shop } from './shop.ts';
import { clone, publicView, type Rec } from './state.ts';
import { invalidParams, missingParams, WpError } from './wp-error.ts';

export const ROLES = [
  'all',
  'administrator',
  'editor',
  'author',
  'contributor',
  'subscriber',
  'customer',
  'shop_manager',
] as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const EDITABLE_ROLES = ['customer', 'subscriber'];

export function isEmail(value: unknown): value is string {
  return typeof value === 'string' && EMAIL.test(value.trim());
}

const missing = () => new WpError('wc_user_invalid_id', 'Invalid user ID.', 404);

export function getCustomer(shop: Shop, id: number): Rec {
  const record = shop.find('customer', id);
  if (!record) throw missing();
  return record;
}

function emailTaken(shop: Shop, email: string, exceptId?: number): boolean {
  const wanted = email.trim().toLowerCase();
  return shop.data.customers.some(
    (c) => c.id !== exceptId && String(c.email).trim().toLowerCase() === wanted,
  );
}

function uniqueUsername(shop: Shop, base: string): string {
  const clean = base.toLowerCase().replace(/[^a-z0-9._-]/g, '') || 'user';
  let name = clean;
  for (let i = 1; shop.data.customers.some((c) => c.username === name); i++) name = `${clean}${i}`;
  return name;
}

/** A complete customer record from raw input (API create, seed and admin inserts). */
export function buildCustomer(shop: Shop, input: Rec, created: Date = shop.now()): Rec {
  const id = typeof input.id === 'number' ? input.id : shop.nextId('customer');
  if (id > shop.data.seq.customer) shop.data.seq.customer = id;
  const email = String(input.email ?? '').trim();
  const record: Rec = {
    id,
    ...shop.dates('date_created', created),
    ...shop.dates('date_modified', created),
    email,
    first_name: '',
    last_name: '',
    role: typeof input.role === 'string' ? input.role : 'customer',
    username:
      typeof input.username === 'string' && input.username
        ? input.username
        : uniqueUsername(shop, email.split('@')[0] ?? ''),
    billing: emptyAddress(['email', 'phone']),
    shipping: emptyAddress(['phone']),
    is_paying_customer: input.is_paying_customer === true,
    avatar_url: avatarUrl(email),
    meta_data: [] as Rec[],
    _password: typeof input.password === 'string' ? input.password : 'generated',
  };
  assignScalars(record, input, ['first_name', 'last_name']);
  mergeAddress(record.billing as Rec, input.billing, [...ADDRESS_KEYS, 'email', 'phone']);
  mergeAddress(record.shipping as Rec, input.shipping, [...ADDRESS_KEYS, 'phone']);
  upsertMeta(shop, record.meta_data as Rec[], input.meta_data);
  for (const key of ['date_created', 'date_created_gmt', 'date_modified', 'date_modified_gmt'] as const) {
    if (input[key] !== undefined) record[key] = input[key];
  }
  return record;
}

export function createCustomer(shop: Shop, body: Rec, batch = false): Rec {
  if (body.id !== undefined) {
    throw new WpError('woocommerce_rest_customer_exists', 'Cannot create existing resource.', 400);
  }
  if (body.email === undefined || body.email === null || body.email === '') {
    // Batch items bypass route-arg validation and fail deeper, in wc_create_new_customer().
    if (batch)
      throw new WpError('registration-error-invalid-email', 'Please provide a valid email address.', 400);
    throw missingParams(['email']);
  }
  shop.validator.check('customer', body, (e) => e.instancePath === '/email' && e.keyword === 'format');
  if (!isEmail(body.email)) throw new WpError('customer_invalid_email', 'Invalid email address.', 400);
  const email = String(body.email).trim();
  if (emailTaken(shop, email)) {
    throw new WpError(
      'registration-error-email-exists',
      `An account is already registered with ${email}. Please log in or use a different email address.`,
      400,
    );
  }
  if (typeof body.username === 'string' && shop.data.customers.some((c) => c.username === body.username)) {
    throw new WpError(
      'registration-error-username-exists',
      'An account is already registered with that username. Please choose another.',
      400,
    );
  }
  const { role: _ignored, ...input } = body;
  const record = buildCustomer(shop, input);
  shop.data.customers.push(record);
  shop.changed('customer', 'created', record);
  return publicView(record);
}

export function updateCustomer(shop: Shop, id: number, body: Rec, batch = false): Rec {
  const record = shop.find('customer', id);
  if (!record) {
    if (batch) throw new WpError('woocommerce_rest_invalid_id', 'Invalid resource ID.', 400);
    throw missing();
  }
  shop.validator.check('customer', body);
  const before = JSON.stringify(record);
  if (body.email !== undefined || body.password !== undefined) {
    if (!EDITABLE_ROLES.includes(String(record.role))) {
      throw new WpError(
        'woocommerce_rest_cannot_edit',
        'Sorry, you are not allowed to edit this resource.',
        403,
      );
    }
  }
  if (body.email !== undefined) {
    // WooCommerce: `email_exists($email) && $email !== $customer->user_email`. The look-up is
    // case-insensitive (and trims) and may find the customer itself, the comparison is exact:
    // a case-only change of one's own address is refused like another user's address.
    const raw = String(body.email);
    if (raw !== '' && raw !== record.email && emailTaken(shop, raw)) {
      throw new WpError('woocommerce_rest_customer_invalid_email', 'Email address is invalid.', 400);
    }
    const email = raw.trim();
    record.email = email;
    record.avatar_url = avatarUrl(email);
  }
  if (body.username !== undefined && body.username !== record.username) {
    throw new WpError('woocommerce_rest_customer_invalid_argument', "Username isn't editable.", 400);
  }
  if (typeof body.password === 'string') record._password = body.password;
  assignScalars(record, body, ['first_name', 'last_name']);
  mergeAddress(record.billing as Rec, body.billing, [...ADDRESS_KEYS, 'email', 'phone']);
  mergeAddress(record.shipping as Rec, body.shipping, [...ADDRESS_KEYS, 'phone']);
  upsertMeta(shop, record.meta_data as Rec[], body.meta_data);
  if (shop.touchIfChanged(before, record)) shop.changed('customer', 'updated', record);
  return publicView(record);
}

export function deleteCustomer(shop: Shop, id: number, force: boolean, batch = false): Rec {
  if (!force && !batch) {
    throw new WpError('woocommerce_rest_trash_not_supported', 'Customers do not support trashing.', 501);
  }
  const record = getCustomer(shop, id);
  if (!EDITABLE_ROLES.includes(String(record.role))) {
    throw new WpError(
      'woocommerce_rest_cannot_delete',
      'Sorry, you are not allowed to delete this resource.',
      403,
    );
  }
  const previous = publicView(clone(record));
  shop.remove('customer', id);
  for (const order of shop.data.orders) if (order.customer_id === id) order.customer_id = 0;
  // `customer.deleted` fires only for users with the customer role.
  if (record.role === 'customer') shop.changed('customer', 'deleted', record);
  else shop.onMutate();
  return previous;
}

export function listCustomers(
  shop: Shop,
  query: Query,
  url: URL,
): { items: Rec[]; headers: Record<string, string> } {
  const errors = new ParamErrors();
  const p = paging(query, errors, ['id', 'include', 'name', 'registered_date'], {
    orderby: 'name',
    order: 'asc',
  });
  const role = oneOf(query, 'role', ROLES, 'customer', errors);
  const include = intList(query, 'include', errors);
  const exclude = intList(query, 'exclude', errors);
  const email = first(query, 'email');
  if (email !== undefined && email !== '' && !isEmail(email)) errors.add('email', 'Invalid email address.');
  bool(query, 'dates_are_gmt', errors); // not registered for customers; harmless
  errors.throwIfAny();
  const search = (first(query, 'search') ?? '').trim().toLowerCase();

  let items = shop.data.customers.filter((c) => {
    if (role !== 'all' && c.role !== role) return false;
    if (include && !include.includes(c.id as number)) return false;
    if (exclude?.includes(c.id as number)) return false;
    if (email && String(c.email).toLowerCase() !== email.trim().toLowerCase()) return false;
    if (search) {
      const hay = [c.email, c.username, c.first_name, c.last_name, `${c.first_name} ${c.last_name}`]
        .join(' ')
        .toLowerCase();
      if (!hay.includes(search)) return false;
    }
    return true;
  });
  const key =
    p.orderby === 'id'
      ? (c: Rec) => c.id as number
      : p.orderby === 'include' && include
        ? (c: Rec) => include.indexOf(c.id as number)
        : p.orderby === 'registered_date'
          ? (c: Rec) => String(c.date_created_gmt)
          : (c: Rec) => displayName(c).toLowerCase();
  items = sortBy(items, key, p.order);
  const result = paginate(items, p);
  return { items: result.items.map(publicView), headers: pageHeaders(result, p, url) };
}

function displayName(c: Rec): string {
  const full = `${c.first_name ?? ''} ${c.last_name ?? ''}`.trim();
  return full || String(c.username ?? '');
}

function avatarUrl(email: string): string {
  const hash = createHash('md5').update(email.trim().toLowerCase()).digest('hex');
  return `https://secure.gravatar.com/avatar/${hash}?s=96&d=mm&r=g`;
}

export { invalidParams };
