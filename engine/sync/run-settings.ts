/**
 * Run settings (`$source_settings`, `$target_settings`): what a system's connector reads
 * once per run through its `runSettings` capability (a shop's tax settings, an accounting
 * client's sales accounts), bound for the mappings whose expressions read them. The engine
 * knows no setting: it only asks the connector of each side a mapping reads, once per run
 * and system, and binds the answer. Reconciliation (full) runs ask for fresh values; other
 * runs may get the connector's copy of the last few minutes.
 *
 * A failing read stops the mapping with SETTINGS_UNAVAILABLE naming the system and the
 * cause: no record of it is synced with a guessed setting.
 */

import type { Connector } from '../connectors/types.ts';
import { MapsyncError } from '../errors.ts';
import type { CompiledExpression, CompiledMapping, Side } from '../mapping/model.ts';
import { SETTINGS_VARIABLE } from '../mapping/settings-refs.ts';
import type { RunOptions } from './run-types.ts';

export class SettingsUnavailable extends MapsyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SETTINGS_UNAVAILABLE', message, options);
  }
}

function expressionsOf(mapping: CompiledMapping): CompiledExpression[] {
  return [
    ...mapping.properties.flatMap((p) => [p.toTarget, p.toSource]),
    mapping.when,
    mapping.report,
    mapping.target.lockedWhen,
    mapping.fanOut?.each,
    mapping.fanOut?.key,
    ...(mapping.checks ?? []).flatMap((c) => [c.each, c.condition, c.message]),
  ].filter((e): e is CompiledExpression => e !== undefined);
}

/** The sides whose run settings a mapping's expressions read. */
export function settingsSidesOf(mapping: CompiledMapping): Side[] {
  const reads = new Set(expressionsOf(mapping).flatMap((e) => e.reads));
  return (['source', 'target'] as const).filter((side) => reads.has(SETTINGS_VARIABLE[side]));
}

/** Reads each system's settings at most once per run. */
export class RunSettingsCache {
  private readonly bySystem = new Map<string, Promise<Readonly<Record<string, unknown>>>>();

  constructor(
    private readonly connectors: ReadonlyMap<string, Connector>,
    private readonly options: Pick<RunOptions, 'mode' | 'signal'>,
  ) {}

  /**
   * The bindings (`source_settings`, `target_settings`) a mapping's expressions read. Both
   * sides are asked at once: neither read waits for the other system's requests.
   */
  async bindingsFor(mapping: CompiledMapping): Promise<Record<string, unknown>> {
    const sides = settingsSidesOf(mapping);
    const values = await Promise.all(sides.map((side) => this.of(mapping[side].system, mapping.name, side)));
    return Object.fromEntries(sides.map((side, i) => [SETTINGS_VARIABLE[side], values[i]]));
  }

  /**
   * Start reading, side by side, the settings of every system these mappings' expressions
   * read (a run calls it first thing, for the mappings it runs): each is read once either
   * way, and a rate-limited system then gets its settings requests in the run's first
   * window, next to its token, instead of after the store and the other system's reads of
   * the first mapping that needs them. A failure is reported by the mappings that read the
   * settings (`bindingsFor`), not here.
   */
  prefetch(mappings: readonly CompiledMapping[]): void {
    for (const mapping of mappings) {
      for (const side of settingsSidesOf(mapping)) {
        this.of(mapping[side].system, mapping.name, side).catch(() => {});
      }
    }
  }

  private of(system: string, mapping: string, side: Side): Promise<Readonly<Record<string, unknown>>> {
    let known = this.bySystem.get(system);
    if (!known) {
      const connector = this.connectors.get(system);
      const capability = connector?.runSettings;
      known = capability
        ? capability.read({
            refresh: this.options.mode === 'full',
            ...(this.options.signal ? { signal: this.options.signal } : {}),
          })
        : Promise.resolve({});
      this.bySystem.set(system, known);
    }
    return known.catch((error: unknown) => {
      const cause = error instanceof Error ? error.message : String(error);
      throw new SettingsUnavailable(
        `${system}: its settings ($${SETTINGS_VARIABLE[side]}) could not be read: ${cause}; mapping ${mapping} stopped (no record is synced with a guessed setting)`,
        { cause: error },
      );
    });
  }
}
