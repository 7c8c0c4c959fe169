/**
 * Cascade suppression, as a compiler does it: when a mapping file cannot be read or parsed,
 * every other file that names that mapping (`$link`, `parent`, `dependencies`, a mapping
 * test, a test's `links`) would report an error that is only a consequence of the broken
 * file. Those references are not reported one by one; they are folded into one note on
 * the broken file, placed right after its first error, that says what was not checked.
 */
import type { Diagnostic } from './diagnostic.ts';

export interface Place {
  file: string;
  line: number;
  col: number;
}

/** Lines listed per referring file in the note; the rest are counted. */
const LINES_LISTED = 8;

export class CascadeFold {
  /** Mapping name → the file that failed to load. */
  private readonly broken = new Map<string, string>();
  private readonly folded = new Map<string, Place[]>();

  /** The mapping file `file` (mapping `name`) could not be read or parsed. */
  markBroken(name: string, file: string): void {
    if (!this.broken.has(name)) this.broken.set(name, file);
  }

  isBroken(name: string): boolean {
    return this.broken.has(name);
  }

  /** A reference to the broken mapping `name` at `place`: not reported, counted in the note. */
  fold(name: string, place: Place): void {
    const list = this.folded.get(name) ?? [];
    list.push(place);
    this.folded.set(name, list);
  }

  /**
   * One note per broken file that something referred to, at the position of the file's
   * first error (so it is printed right after it).
   */
  notes(diagnostics: readonly Diagnostic[]): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const [name, places] of this.folded) {
      const file = this.broken.get(name)!;
      const first = diagnostics
        .filter((d) => d.file === file && d.severity === 'error')
        .sort((a, b) => a.line - b.line || a.col - b.col)[0];
      const byFile = new Map<string, number[]>();
      for (const p of places) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p.line]);
      const where = [...byFile]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([referrer, lines]) => {
          const sorted = [...new Set(lines)].sort((a, b) => a - b);
          const more = sorted.length > LINES_LISTED ? ` +${sorted.length - LINES_LISTED}` : '';
          return `${referrer}:${sorted.slice(0, LINES_LISTED).join(',')}${more}`;
        })
        .join('; ');
      const count = `${places.length} reference${places.length === 1 ? '' : 's'}`;
      out.push({
        file,
        line: first?.line ?? 0,
        col: first?.col ?? 0,
        severity: 'note',
        code: 'MAP_REFERENCES_NOT_CHECKED',
        message: `${count} to mapping "${name}" not checked because this file did not load (${where})`,
      });
    }
    return out;
  }
}
