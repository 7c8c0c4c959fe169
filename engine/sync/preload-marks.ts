/**
 * Links read ahead with a page (one `getMany` per page) are trusted unless the run wrote
 * that link after the read. Link writes are numbered; while a preload is open the ids
 * written are remembered with their number (only then, so this stays as small as the pages
 * in flight). One per mapping and run.
 */
export class PreloadMarks {
  private seq = 0;
  private readonly open: number[] = [];
  private readonly recentWrites = new Map<string, number>();

  /** The link of `id` was written (called by the mapping's state on every link change). */
  linkWritten(id: string): void {
    this.seq++;
    if (this.open.length > 0) this.recentWrites.set(id, this.seq);
  }

  /** A page's links are about to be read ahead; returns the mark to check them against. */
  started(): number {
    this.open.push(this.seq);
    return this.seq;
  }

  /** The page of the preload `mark` is done: its writes need no remembering any more. */
  done(mark: number): void {
    const i = this.open.indexOf(mark);
    if (i >= 0) this.open.splice(i, 1);
    if (this.open.length === 0) {
      this.recentWrites.clear();
      return;
    }
    const oldest = Math.min(...this.open);
    for (const [id, seq] of this.recentWrites) if (seq <= oldest) this.recentWrites.delete(id);
  }

  /** Whether the link of `id` was written after the preload `mark` read it. */
  writtenSince(id: string, mark: number): boolean {
    return (this.recentWrites.get(id) ?? 0) > mark;
  }
}
