/**
 * `scans:` of a mapping: each names the side it lists, how often, the properties it carries
 * (by the path they are written to on the other side) and the fields of the listed side
 * those properties read. A scanned property must flow from the scanned side only: a scan
 * writes one way, and a two-way property would have no merge base to decide with.
 */
import { parseDuration } from '../config/duration.ts';
import { arr, type MappingDocument, obj, str } from './document.ts';
import type { FileScope } from './file-scope.ts';
import type { CompiledProperty, CompiledScan, Side } from './model.ts';
import type { ResolvedSide } from './resolve-side.ts';
import { checkPath } from './schema-paths.ts';

export function compileScans(
  scope: FileScope,
  doc: MappingDocument,
  properties: readonly CompiledProperty[],
  sides: { source?: ResolvedSide; target?: ResolvedSide },
): CompiledScan[] {
  const scans: CompiledScan[] = [];
  const names = new Set<string>();
  for (const [i, raw] of arr(doc.scans).entries()) {
    const s = obj(raw);
    const name = str(s?.name);
    const side = str(s?.side);
    if (!s || !name || (side !== 'source' && side !== 'target')) continue; // the schema check reports it
    if (names.has(name))
      scope.report(['scans', i, 'name'], 'MAP_SCAN_DUPLICATE', `two scans are named "${name}"`);
    names.add(name);
    let everyMs = 0;
    try {
      everyMs = parseDuration(s.every, `scan "${name}" every`);
    } catch (error) {
      scope.report(['scans', i, 'every'], 'MAP_SCAN_EVERY', (error as Error).message);
    }
    const flow = side === 'target' ? 'to-source' : 'to-target';
    const targets: string[] = [];
    for (const [j, pathRaw] of arr(s.properties).entries()) {
      const path = str(pathRaw);
      if (!path) continue;
      const property = properties.find((p) => (side === 'target' ? p.source : p.target) === path);
      if (!property) {
        scope.report(
          ['scans', i, 'properties', j],
          'MAP_SCAN_PROPERTY',
          `no property writes "${path}" on the ${side === 'target' ? 'source' : 'target'} side`,
        );
      } else if (property.direction !== flow) {
        scope.report(
          ['scans', i, 'properties', j],
          'MAP_SCAN_PROPERTY',
          `property "${property.target}" must be direction: ${flow} to be scanned on the ${side} side (it is ${property.direction})`,
        );
      } else targets.push(property.target);
    }
    const fields: string[] = [];
    const listed: ResolvedSide | undefined = sides[side as Side];
    for (const [j, pathRaw] of arr(s.fields).entries()) {
      const path = str(pathRaw);
      if (!path) continue;
      checkPath(scope, listed, path, ['scans', i, 'fields', j]);
      fields.push(path);
    }
    const position = scope.position(['scans', i]);
    scans.push({
      name,
      ...(str(s.description) ? { description: str(s.description) } : {}),
      side,
      everyMs,
      properties: targets,
      fields,
      position: { file: scope.file, line: position.line, col: position.col },
    });
  }
  return scans;
}
