/**
 * RFC 6902 operations for exactly the changed properties of one record.
 *
 * Both documents given to fast-json-patch's `compare` are projections onto the changed
 * paths only, so nothing else of the record can appear in the patch. The current
 * projection keeps the intermediate objects the record really has (`targetObjects`), so a
 * change of `MailAddress.City` becomes `replace /MailAddress/City` (or `add`) when the
 * address exists and `add /MailAddress {City}` only when it does not; a clear becomes
 * `replace … null`. Array and object values are replaced whole, never diffed by index.
 */
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { copyValue } from './snapshot-copy.ts';

// fast-json-patch is CommonJS: under Node's ESM loader only its default export is real.
const { compare, getValueByPointer } = fastJsonPatch;

export interface PathChange {
  path: string;
  value: unknown;
  /**
   * Send a precondition for it: an RFC 6902 `test` of the value the merge read, before the
   * op that replaces or removes it (a system that honours it refuses the whole patch when
   * the record changed since; docs/sync-engine.md, "Preconditions").
   */
  guarded?: boolean;
  /** The value to test for a guarded change, exactly as the record held it (else `current`'s). */
  expected?: { value: unknown };
}

export function buildPatch(
  current: ReadonlyMap<string, unknown> | Record<string, unknown>,
  objects: Iterable<string>,
  changes: readonly PathChange[],
): Operation[] {
  const currentAt = (path: string) =>
    current instanceof Map ? current.get(path) : (current as Record<string, unknown>)[path];
  const present = new Set(objects);
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const wholes: PathChange[] = [];
  for (const change of changes) {
    const segments = change.path.split('.');
    // Intermediate objects that exist in the record exist in both projections.
    for (let i = 1; i < segments.length; i++) {
      const prefix = segments.slice(0, i).join('.');
      if (present.has(prefix)) {
        ensure(before, segments.slice(0, i));
        ensure(after, segments.slice(0, i));
      } else {
        break;
      }
    }
    const old = currentAt(change.path);
    if (old !== undefined) setPath(before, segments, copyValue(old));
    const value = change.value === undefined ? null : change.value;
    if (isComposite(value) || isComposite(old)) wholes.push({ path: change.path, value });
    setPath(after, segments, copyValue(value));
  }
  let ops = compare(before, after);
  for (const whole of wholes) {
    const pointer = toPointer(whole.path);
    const covered = ops.filter((op) => op.path === pointer || op.path.startsWith(`${pointer}/`));
    if (covered.length === 0) continue;
    // The leaf sits where compare touched it; keep compare's add/replace choice for it.
    const kind = covered.some((op) => op.path === pointer && op.op === 'add') ? 'add' : 'replace';
    ops = ops.filter((op) => !covered.includes(op));
    ops.push({ op: kind, path: pointer, value: copyValue(whole.value) } as Operation);
  }
  return [...preconditions(before, changes, ops), ...ops];
}

/**
 * A `test` per replaced or removed value of a guarded change, with the value as read. An
 * `add` has nothing to test: the value was not there when read (RFC 6902 cannot test for
 * absence), and a value added since makes the `add` a replace the system takes.
 */
function preconditions(
  before: Record<string, unknown>,
  changes: readonly PathChange[],
  ops: readonly Operation[],
): Operation[] {
  const guarded = new Map(changes.filter((c) => c.guarded).map((c) => [toPointer(c.path), c]));
  if (guarded.size === 0) return [];
  return ops
    .filter(
      (op) =>
        (op.op === 'replace' || op.op === 'remove') &&
        [...guarded.keys()].some((g) => op.path === g || op.path.startsWith(`${g}/`)),
    )
    .map((op) => {
      const expected = guarded.get(op.path)?.expected;
      const value =
        expected && expected.value !== undefined ? expected.value : getValueByPointer(before, op.path);
      return { op: 'test', path: op.path, value: copyValue(value) } as Operation;
    });
}

/** `MailAddress.City` → `/MailAddress/City` (with RFC 6901 escaping). */
export function toPointer(path: string): string {
  return `/${path
    .split('.')
    .map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1'))
    .join('/')}`;
}

function isComposite(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function ensure(root: Record<string, unknown>, segments: readonly string[]): void {
  let node = root;
  for (const segment of segments) {
    const next = node[segment];
    if (typeof next !== 'object' || next === null) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
}

function setPath(root: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  ensure(root, segments.slice(0, -1));
  let node = root;
  for (const segment of segments.slice(0, -1)) node = node[segment] as Record<string, unknown>;
  node[segments.at(-1)!] = value;
}

/** Intermediate object paths present in a record, for the given property paths. */
export function objectPathsOf(record: unknown, paths: Iterable<string>): string[] {
  const found = new Set<string>();
  for (const path of paths) {
    // A path of one name has no intermediate object.
    if (!path.includes('.')) continue;
    const segments = path.split('.');
    let node: unknown = record;
    for (let i = 0; i < segments.length - 1; i++) {
      if (typeof node !== 'object' || node === null) break;
      node = (node as Record<string, unknown>)[segments[i]!];
      if (typeof node === 'object' && node !== null && !Array.isArray(node)) {
        found.add(segments.slice(0, i + 1).join('.'));
      } else {
        break;
      }
    }
  }
  return [...found].sort();
}
