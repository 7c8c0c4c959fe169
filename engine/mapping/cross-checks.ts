/**
 * Checks that need every mapping at once: names are unique, every mapping named by $link,
 * parent or dependencies exists and fits, no two mappings write the same target property
 * of overlapping record sets, and the dependency graph has no cycle. Each problem is
 * reported at the line that names the offending thing, in the file that names it.
 */
import type { CascadeFold } from '../diagnostics/cascade.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { didYouMean } from '../diagnostics/did-you-mean.ts';
import type { Position } from '../yaml/parse-source.ts';
import type { MappingReference, MappingUnit } from './compile.ts';
import { findCycles } from './dependency-order.ts';

const at = (
  unit: MappingUnit,
  position: Position,
  code: string,
  message: string,
  warning = false,
): Diagnostic => ({
  file: unit.file,
  line: position.line,
  col: position.col,
  severity: warning ? 'warning' : 'error',
  code,
  message,
});

/** References to mappings whose file did not load are folded into `cascade`, not reported. */
export function crossCheck(units: readonly MappingUnit[], cascade?: CascadeFold): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byName = new Map<string, MappingUnit>();
  for (const unit of units) {
    const first = byName.get(unit.name);
    if (first) {
      const position = unit.source.position(unit.source.doc.contents?.range?.[0] ?? 0);
      out.push(
        at(unit, position, 'MAP_DUPLICATE_NAME', `mapping "${unit.name}" is also defined in ${first.file}`),
      );
    } else {
      byName.set(unit.name, unit);
    }
  }
  for (const unit of units) {
    for (const ref of unit.references) {
      if (cascade?.isBroken(ref.mapping)) {
        cascade.fold(ref.mapping, { file: unit.file, ...ref.position });
        continue;
      }
      const other = byName.get(ref.mapping);
      if (!other) {
        out.push(
          at(
            unit,
            ref.position,
            'MAP_UNKNOWN_MAPPING',
            `unknown mapping "${ref.mapping}"${didYouMean(ref.mapping, byName.keys())}`,
          ),
        );
        continue;
      }
      out.push(...checkReference(unit, ref, other));
    }
  }
  out.push(...duplicateTargets(units));
  out.push(...cycles(byName));
  return out;
}

function checkReference(unit: MappingUnit, ref: MappingReference, other: MappingUnit): Diagnostic[] {
  const mine = unit.compiled;
  const theirs = other.compiled;
  if (!mine || !theirs) return [];
  if (ref.kind === 'link') {
    if (theirs.source.system !== mine.source.system || theirs.target.system !== mine.target.system) {
      return [
        at(
          unit,
          ref.position,
          'MAP_LINK_SYSTEM_MISMATCH',
          `$link('${ref.mapping}', …) looks up ${theirs.source.system} keys and returns ${theirs.target.system} ids, but this mapping goes from ${mine.source.system} to ${mine.target.system}`,
        ),
      ];
    }
  }
  if (ref.kind === 'parent') {
    const problems: string[] = [];
    if (theirs.source.system !== mine.source.system || theirs.source.entity !== mine.source.entity) {
      problems.push(
        `its source is ${theirs.source.system} ${theirs.source.entity}, not ${mine.source.system} ${mine.source.entity}`,
      );
    }
    if (unit.targetParentEntity && theirs.target.entity !== unit.targetParentEntity) {
      problems.push(
        `${mine.target.entity} records live under ${unit.targetParentEntity}, but it maps to ${theirs.target.entity}`,
      );
    }
    if (problems.length > 0) {
      return [
        at(
          unit,
          ref.position,
          'MAP_PARENT_MISMATCH',
          `parent "${ref.mapping}" does not fit: ${problems.join('; ')}`,
        ),
      ];
    }
  }
  return [];
}

/** Two `where` subsets overlap unless some key has different values in both. */
function overlaps(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  return Object.keys(a).every((key) => !(key in b) || a[key] === b[key]);
}

/** Each target property written by two overlapping mappings, reported once at the later one. */
function duplicateTargets(units: readonly MappingUnit[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const compiled = units.filter((u) => u.compiled);
  for (const [i, b] of compiled.entries()) {
    const tb = b.compiled!.target;
    for (const write of b.targetWrites) {
      const a = compiled.slice(0, i).find((earlier) => {
        const ta = earlier.compiled!.target;
        return (
          ta.system === tb.system &&
          ta.entity === tb.entity &&
          overlaps(ta.where, tb.where) &&
          earlier.targetWrites.some((w) => w.path === write.path)
        );
      });
      if (!a) continue;
      const other = a.targetWrites.find((w) => w.path === write.path)!;
      out.push(
        at(
          b,
          write.position,
          'MAP_DUPLICATE_TARGET',
          `${tb.system} ${tb.entity} "${write.path}" is also written by mapping "${a.name}" (${a.file}:${other.position.line}); give the mappings disjoint target.where subsets`,
        ),
      );
    }
  }
  return out;
}

function cycles(byName: ReadonlyMap<string, MappingUnit>): Diagnostic[] {
  const edges = new Map<string, string[]>();
  for (const unit of byName.values()) {
    edges.set(unit.name, [...new Set(unit.references.map((r) => r.mapping).filter((m) => byName.has(m)))]);
  }
  const out: Diagnostic[] = [];
  for (const cycle of findCycles(edges)) {
    const text = [...cycle, cycle[0]].join(' → ');
    for (const [i, name] of cycle.entries()) {
      const next = cycle[(i + 1) % cycle.length]!;
      const unit = byName.get(name)!;
      const ref =
        unit.references.find((r) => r.mapping === next && r.kind !== 'dependency') ??
        unit.references.find((r) => r.mapping === next);
      if (ref) out.push(at(unit, ref.position, 'MAP_DEPENDENCY_CYCLE', `dependency cycle: ${text}`));
    }
  }
  return out;
}
