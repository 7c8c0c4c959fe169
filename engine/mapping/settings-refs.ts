/**
 * Run settings in expressions: `$source_settings.<name>` / `$target_settings.<name>` read
 * what a side's connector reads once per run (a shop's tax settings, say). The names a kind
 * offers are declared on its ConnectorSpec (`runSettings`), so a misspelt name is found at
 * validate time: this finds every `$<side>_settings.<name>` path step in an expression's
 * AST. A computed member (`$lookup($source_settings, $x)`) cannot be checked and is not.
 */
import type jsonata from 'jsonata';
import type { Side } from './model.ts';

/** The variable each side's run settings are bound to. */
export const SETTINGS_VARIABLE: Readonly<Record<Side, string>> = {
  source: 'source_settings',
  target: 'target_settings',
};

export interface SettingReference {
  side: Side;
  name: string;
  /** Offset of the name in the expression text. */
  offset: number;
}

type Node = jsonata.ExprNode & Record<string, unknown>;

const sideOf = (node: Node | undefined): Side | undefined => {
  if (node?.type !== 'variable') return undefined;
  if (node.value === SETTINGS_VARIABLE.source) return 'source';
  if (node.value === SETTINGS_VARIABLE.target) return 'target';
  return undefined;
};

export function settingReferences(ast: jsonata.ExprNode): SettingReference[] {
  const found: SettingReference[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const node = value as Node;
    if ((node.type as string) === 'path' && Array.isArray(node.steps)) {
      const [first, second] = node.steps as Node[];
      const side = sideOf(first);
      if (side && second?.type === 'name' && typeof second.value === 'string') {
        const start = Math.max(0, (second.position ?? 0) - second.value.length);
        found.push({ side, name: second.value, offset: start });
      }
    }
    // `for…in`, not Object.entries: no array of pairs per node (ast-walk.ts).
    for (const key in node) {
      const child = node[key];
      if (key === 'value' && typeof child !== 'object') continue;
      visit(child);
    }
  };
  visit(ast);
  return found;
}
