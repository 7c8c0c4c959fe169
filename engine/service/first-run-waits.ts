/** Which first runs a mapping's first run waits for at start (scheduler.ts). */
import type { MappingInfo } from './ports.ts';

/**
 * Whose first run each mapping's first run waits for: its `waitsFor`, less any that waits
 * (directly or not) for it in turn, so that a cycle of look-ups cannot stop the start.
 */
export function firstRunWaits(mappings: readonly MappingInfo[]): Map<string, string[]> {
  const declared = new Map(mappings.map((m) => [m.name, m.waitsFor ?? []]));
  const reaches = (from: string, to: string, seen = new Set<string>()): boolean => {
    if (from === to) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return (declared.get(from) ?? []).some((next) => reaches(next, to, seen));
  };
  return new Map(
    mappings.map((m) => [
      m.name,
      (m.waitsFor ?? []).filter((dep) => declared.has(dep) && !reaches(dep, m.name)),
    ]),
  );
}
