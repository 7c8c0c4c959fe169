/**
 * Finds the YAML node behind a JSON path (`['properties', 3, 'target']`, or an AJV
 * `instancePath`) so a diagnostic can name the line and column of the offending key or
 * value. When the path does not exist (a missing key), the nearest existing ancestor is
 * used: the diagnostic then points at the object that lacks it.
 */
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import type { Position, YamlSource } from './parse-source.ts';

export type PathSegment = string | number;

export interface Located {
  /** The value node at the path (or at the nearest existing ancestor). */
  node: Node | null;
  /** The key/value pair holding `node` when its parent is a mapping. */
  pair?: Pair;
  /** True when the whole path was found. */
  exact: boolean;
}

/** Walk `segments` down from the document root. */
export function findNode(source: YamlSource, segments: readonly PathSegment[]): Located {
  let node = source.doc.contents as Node | null;
  let pair: Pair | undefined;
  for (const segment of segments) {
    if (isMap(node)) {
      const found = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!found) return { node, pair, exact: false };
      pair = found;
      node = (found.value as Node | null) ?? null;
      if (node === null) return { node: null, pair, exact: true };
    } else if (isSeq(node) && Number.isInteger(Number(segment))) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (item === undefined) return { node, pair, exact: false };
      pair = undefined;
      node = item;
    } else {
      return { node, pair, exact: false };
    }
  }
  return { node, pair, exact: true };
}

/** Split an AJV instancePath (`/properties/3/target`) into segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Position of the node at `segments`: its key when `at` is `key` (unknown keys, values
 * that are missing), else its value.
 */
export function locate(
  source: YamlSource,
  segments: readonly PathSegment[],
  at: 'key' | 'value' = 'value',
): Position {
  const found = findNode(source, segments);
  const keyNode = found.pair?.key as Node | undefined;
  // A missing path points at the key of the object that lacks it; an empty value at its key.
  const preferKey = at === 'key' || !found.exact || found.node === null;
  if (preferKey && keyNode?.range) return source.position(keyNode.range[0]);
  if (found.node?.range) return source.position(found.node.range[0]);
  return { line: 1, col: 1 };
}
