/**
 * How an unlinked record finds its partner the first time: an index of the other side's
 * records by identity-guard value and by each normalised match key. Only ids and small
 * projections are held, never whole records.
 *
 * Lookup order: the identity guard first (a record carrying our guard was created for this
 * very record, e.g. before a crash), then the mapping's match rules in order; the first
 * rule with any candidate decides. Exactly one candidate links; several are ambiguous.
 */
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

export class MatchIndex<P> {
  private readonly byGuard = new Map<string, Set<string>>();
  private readonly byRule: Array<Map<string, Set<string>>>;
  private readonly entries = new Map<string, IndexEntry<P>>();

  constructor(ruleCount: number) {
    this.byRule = Array.from({ length: ruleCount }, () => new Map());
  }

  get size(): number {
    return this.entries.size;
  }

  add(entry: IndexEntry<P>, guard: string | undefined, ruleKeys: ReadonlyArray<string | undefined>): void {
    this.entries.set(entry.id, entry);
    if (guard !== undefined && guard !== '') push(this.byGuard, guard, entry.id);
    ruleKeys.forEach((key, i) => {
      if (key !== undefined && key !== '') push(this.byRule[i]!, key, entry.id);
    });
  }

  /** Mark an entry as linked (after a link or a create in this run). */
  markLinked(id: string, partnerId: string): void {
    const entry = this.entries.get(id);
    if (entry) {
      entry.linkedTo = partnerId;
      delete entry.projection;
    }
  }

  get(id: string): IndexEntry<P> | undefined {
    return this.entries.get(id);
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
    const usable = (ids: Set<string> | undefined) =>
      [...(ids ?? [])]
        .map((id) => this.entries.get(id)!)
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

function push(map: Map<string, Set<string>>, key: string, id: string): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(id);
}
