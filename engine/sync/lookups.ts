/**
 * `$fetch(side, name, args)` in mapping expressions: a lookup of the mapping's source or
 * target system that depends on the record (PowerOffice Go's exchange rate on an order's
 * date), answered by that system's connector (`Connector.lookups`). The engine knows no
 * lookup: names and answers are the connector kind's (ConnectorSpec.lookups, checked by
 * `mapsync validate`). It asks at most once per run for the same system, name and
 * arguments, and every record that asks the same gets the same answer — a failure too (a
 * ConnectorError then fails each of those records with the connector's reason), so a run of
 * 500 orders in EUR on one date makes one request, not 500.
 */
import { stringify } from 'safe-stable-stringify';
import type { Connector } from '../connectors/types.ts';
import { MapsyncError } from '../errors.ts';

export class RunLookups {
  private readonly asked = new Map<string, Promise<unknown>>();

  constructor(
    private readonly connectors: ReadonlyMap<string, Connector>,
    private readonly signal?: AbortSignal,
  ) {}

  /** The answer of `system`'s lookup `name` for `args`, asked once per run. */
  fetch(system: string, name: string, args: Readonly<Record<string, unknown>>): Promise<unknown> {
    const key = `${system}\u0000${name}\u0000${stringify(args)}`;
    let answer = this.asked.get(key);
    if (!answer) {
      const lookups = this.connectors.get(system)?.lookups;
      answer = lookups
        ? lookups.lookup(name, args, this.signal ? { signal: this.signal } : {})
        : Promise.reject(
            new MapsyncError('MAP_EVAL_ERROR', `${system} answers no lookups ($fetch '${name}')`),
          );
      // Callers attach their own handlers; this one only keeps an answer nobody awaits yet
      // from counting as unhandled.
      answer.catch(() => {});
      this.asked.set(key, answer);
    }
    return answer;
  }

  /** How many different lookups this run asked (tests, the run's cost). */
  get size(): number {
    return this.asked.size;
  }
}
