/**
 * Generates the dataflow documents (`mapsync docs`) from the compiled mappings: one
 * reStructuredText file per direction between two systems (`woocommerce-powerofficego.rst`,
 * and `powerofficego-woocommerce.rst` for what flows back through two-way properties), with
 * one section per mapping and a table of its properties. The mapping files are the single
 * source: the committed documents are checked for staleness by a test.
 */
import { basename } from 'node:path';
import type { CompiledAction, CompiledMapping, CompiledProperty } from '../model.ts';
import { heading, listTable, literal, text } from './rst.ts';

export interface DataflowDocument {
  /** File name, e.g. `woocommerce-powerofficego.rst`. */
  name: string;
  content: string;
}

/** One mapping seen in one direction. */
interface Flow {
  mapping: CompiledMapping;
  reverse: boolean;
  from: { system: string; label: string };
  to: { system: string; label: string };
  title: string;
  rows: string[][];
}

/** `poweroffice-go` → `Powerofficego`. */
export function systemTitle(system: string): string {
  const plain = system.replace(/-/g, '');
  return plain.charAt(0).toUpperCase() + plain.slice(1);
}

/** The entity's label, or its name capitalised. */
export function entityTitle(side: { entity: string; label?: string }): string {
  return side.label ?? side.entity.charAt(0).toUpperCase() + side.entity.slice(1);
}

const code = (p: CompiledProperty, reverse: boolean): [string, string] => {
  const expression = reverse ? p.toSource : p.toTarget;
  const from = expression ? literal(expression.text) : literal(reverse ? p.target : (p.source ?? ''));
  return [from, literal(reverse ? (p.source ?? '') : p.target)];
};

function flows(mapping: CompiledMapping): Flow[] {
  const source = { system: mapping.source.system, label: entityTitle(mapping.source) };
  const target = { system: mapping.target.system, label: entityTitle(mapping.target) };
  const make = (reverse: boolean): Flow => {
    const [from, to] = reverse ? [target, source] : [source, target];
    const properties = mapping.properties.filter((p) =>
      reverse ? p.direction !== 'to-target' && p.source !== undefined : p.direction !== 'to-source',
    );
    return {
      mapping,
      reverse,
      from,
      to,
      title: `${systemTitle(from.system)} ${from.label} to ${systemTitle(to.system)} ${to.label}`,
      rows: properties.map((p) => [...code(p, reverse), reverse ? p.sourceType : p.type]),
    };
  };
  const out = [make(false)];
  if (mapping.direction === 'two-way' && mapping.properties.some((p) => p.direction !== 'to-target')) {
    out.push(make(true));
  }
  return out;
}

function section(flow: Flow): string {
  const { mapping, from, to } = flow;
  const fromName = `${systemTitle(from.system)} ${from.label.toLowerCase()}`;
  const toName = `${systemTitle(to.system)} ${to.label.toLowerCase()}`;
  const parts = [heading(flow.title, '-')];
  const lead = flow.reverse
    ? `Changes to a ${toName}'s properties listed below that are made in ${systemTitle(from.system)} flow back from the linked ${fromName} record, so both records stay the same.`
    : mapping.fanOut
      ? `Every child (described below) of a ${fromName} record that takes part is synchronized with a ${toName} record under the parent record. Once the two are linked they are kept in sync: a later change to a property listed below is carried over again.`
      : `Every ${fromName} record that takes part is synchronized with a ${toName} record. Once the two are linked they are kept in sync: a later change to a property listed below is carried over again.`;
  parts.push(`${text(lead)}\n`);
  const facts: string[] = [
    `Mapping ${literal(mapping.name)} (${literal(basename(mapping.file))}), ${mapping.direction}.`,
  ];
  const where = Object.entries(mapping.target.where);
  if (where.length > 0) {
    facts.push(
      `Only ${systemTitle(mapping.target.system)} records with ${where.map(([k, v]) => `${literal(k)} = ${literal(JSON.stringify(v))}`).join(' and ')} belong to it.`,
    );
  }
  if (!flow.reverse && mapping.when) facts.push(`Records take part when ${literal(mapping.when.text)}.`);
  if (mapping.match.length > 0) {
    facts.push(
      `The first time, records are matched on ${mapping.match.map((m) => (m.source ? `${literal(m.source)} = ${literal(m.target)}` : `the value given to ${literal(m.target)}`)).join(', then on ')}.`,
    );
  }
  if (mapping.fanOut)
    facts.push(
      `One record per child of ${literal(mapping.fanOut.each.text)}, under the record of mapping ${literal(mapping.fanOut.parent)}.`,
    );
  if (mapping.description) facts.push(`Description: ${text(mapping.description)}`);
  if (!flow.reverse) for (const action of mapping.actions ?? []) facts.push(actionFact(mapping, action));
  if (!flow.reverse)
    for (const check of mapping.checks ?? [])
      facts.push(
        `Check ${literal(check.name)}, before any record of a run (a mismatch stops the mapping): ${text(check.description ?? check.condition.text.trim())}.`,
      );
  parts.push(`${facts.join(' ')}\n`);
  parts.push(
    listTable(
      [
        `${systemTitle(from.system)} ${from.label} Property`,
        `${systemTitle(to.system)} ${to.label} Property`,
        `${systemTitle(to.system)} Data Type`,
      ],
      flow.rows,
    ),
  );
  return parts.join('\n');
}

/** One sentence per action: when, what on which record, what is written back, the lock. */
/** "once per record", or per item of a per-item action. */
function once(action: CompiledAction): string {
  return action.each && action.key
    ? `once per item of ${literal(action.each.text.trim())} (identity ${literal(action.key.text.trim())})`
    : 'once per record';
}

function actionFact(mapping: CompiledMapping, action: CompiledAction): string {
  const options = (o: Readonly<Record<string, unknown>>) => {
    const list = Object.entries(o).map(([k, v]) => `${k} = ${String(v)}`);
    return list.length > 0 ? ` (${list.join(', ')})` : '';
  };
  const when = action.when ? `when ${literal(action.when.text.trim())}` : 'once the record is linked';
  const back = action.writeBack.map(
    (w) =>
      `${literal(w.operation)}${options(w.options)}${w.value ? ` with ${literal(w.value.text.trim())}` : ''}`,
  );
  return (
    `Action ${literal(action.name)}: ${when}, ${once(action)}, ${literal(action.operation)}${options(action.options)}${action.value ? ' with the value the mapping computes' : ''} on the ${systemTitle(mapping.target.system)} record` +
    (back.length > 0
      ? `; then on the ${systemTitle(mapping.source.system)} record: ${back.join(', ')}`
      : '') +
    (action.locksTarget
      ? `; the ${systemTitle(mapping.target.system)} record is not written again afterwards.`
      : '.')
  );
}

/** Format a generation time as `YYYY-MM-DD HH:MM:SS` (UTC). */
export function generatedStamp(now: Date): string {
  return now.toISOString().slice(0, 19).replace('T', ' ');
}

export function dataflowDocuments(mappings: readonly CompiledMapping[], now: Date): DataflowDocument[] {
  const groups = new Map<string, Flow[]>();
  for (const flow of mappings.flatMap(flows)) {
    const key = `${flow.from.system}\u0000${flow.to.system}`;
    groups.set(key, [...(groups.get(key) ?? []), flow]);
  }
  const documents: DataflowDocument[] = [];
  for (const list of groups.values()) {
    const { from, to } = list[0]!;
    const title = `${systemTitle(from.system)} to ${systemTitle(to.system)} Dataflow`;
    const intro =
      `This document describes which ${systemTitle(from.system)} data is synchronized to ${systemTitle(to.system)} and how each property is carried over. ` +
      'It is generated from the mapping files by mapsync docs; edit the mappings, not this file. ' +
      'A property column with an expression shows the JSONata that computes the value.';
    const sections = [...list].sort(
      (a, b) => a.title.localeCompare(b.title) || a.mapping.name.localeCompare(b.mapping.name),
    );
    const content = [
      heading(title, '=', true),
      `Generated: ${generatedStamp(now)}\n`,
      heading('Introduction', '-'),
      `${text(intro)}\n`,
      ...sections.map(section),
    ].join('\n');
    documents.push({ name: `${from.system.replace(/-/g, '')}-${to.system.replace(/-/g, '')}.rst`, content });
  }
  return documents.sort((a, b) => a.name.localeCompare(b.name));
}
