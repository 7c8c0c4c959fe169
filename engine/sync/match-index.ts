/**
 * How an unlinked record finds its partner the first time: an index of the other side's
 * records by identity-guard value and by each normalised match key. Only ids and small
 * projections are held, never whole records.
 *
 * Lookup order: the identity guard first (a record carrying our guard was created for this
 * very record, e.g. before a crash), then the mapping's match rules in order; the first
 * rule with any candidate decides. Exactly one candidate links; several are ambiguous.
 *
 * Compact, because a complete listing of 100,000 records goes in: a bucket holding one id
 * (nearly all of them: keys are meant to be unique) is that id string, not a Set; a linked
 * record is held as its partner's id alone; only unlinked records keep a projection.
 */
/** Index keys of a record: its guard value and its normalised match keys. */
export interface IndexKeys {
  guard: string | undefined;
  keys: Array<string | undefined>;
}

export interface IndexEntry<P> {
  id: string;
  /** The partner's id when this record is already linked (known from the reverse index). */
  linkedTo?: string;
  /** What a first-time link needs of this record (absent for linked ones). */
  projection?: P;
}

export interface Candidates<P> {
  via: 'guard' | `match:${number}` | 'none';
  entries: IndexEntry<P>[];
}

/** One id, or several (rare: duplicate keys). */
type Bucket = string | string[];

/** An entry as held: the partner's id (linked) or `{ projection }` (unlinked). */
type Held<P> = string | { projection: P | undefined };

export class MatchIndex<P> {
  private readonly byGuard = new Map<string, Bucket>();
  private readonly byRule: Array<Map<string, Bucket>>;
  private readonly entries = new Map<string, Held<P>>();

  constructor(ruleCount: number) {
    this.byRule = Array.from({ length: ruleCount }, () => new Map());
  }

  get size(): number {
    return this.entries.size;
  }

  add(entry: IndexEntry<P>, guard: string | undefined, ruleKeys: ReadonlyArray<string | undefined>): void {
    this.entries.set(
      entry.id,
      entry.linkedTo !== undefined ? entry.linkedTo : { projection: entry.projection },
    );
    if (guard !== undefined && guard !== '') push(this.byGuard, guard, entry.id);
    ruleKeys.forEach((key, i) => {
      if (key !== undefined && key !== '') push(this.byRule[i]!, key, entry.id);
    });
  }

  /** Mark an entry as linked (after a link or a create in this run). */
  markLinked(id: string, partnerId: string): void {
    if (this.entries.has(id)) this.entries.set(id, partnerId);
  }

  get(id: string): IndexEntry<P> | undefined {
    const held = this.entries.get(id);
    if (held === undefined) return undefined;
    if (typeof held === 'string') return { id, linkedTo: held };
    return held.projection === undefined ? { id } : { id, projection: held.projection };
  }

  /**
   * Candidates for a record with this guard value and these match keys. Entries linked to
   * another record are left out unless `includeLinked` (guests may share a customer).
   */
  find(
    guard: string | undefined,
    ruleKeys: ReadonlyArray<string | undefined>,
    options: { includeLinked?: boolean; self?: string } = {},
  ): Candidates<P> {
    const usable = (bucket: Bucket | undefined) =>
      ids(bucket)
        .map((id) => this.get(id)!)
        .filter((e) => options.includeLinked || e.linkedTo === undefined || e.linkedTo === options.self);
    if (guard !== undefined && guard !== '') {
      const byGuard = usable(this.byGuard.get(guard));
      if (byGuard.length > 0) return { via: 'guard', entries: byGuard };
    }
    for (let i = 0; i < ruleKeys.length; i++) {
      const key = ruleKeys[i];
      if (key === undefined || key === '') continue;
      const found = usable(this.byRule[i]?.get(key));
      if (found.length > 0) return { via: `match:${i}`, entries: found };
    }
    return { via: 'none', entries: [] };
  }
}

function ids(bucket: Bucket | undefined): string[] {
  if (bucket === undefined) return [];
  return typeof bucket === 'string' ? [bucket] : bucket;
}

function push(map: Map<string, Bucket>, key: string, id: string): void {
  const bucket = map.get(key);
  if (bucket === undefined) map.set(key, id);
  else if (typeof bucket === 'string') {
    if (bucket !== id) map.set(key, [bucket, id]);
  } else if (!bucket.includes(id)) bucket.push(id);
}
