/**
 * The one place connector kinds are registered. Adding a system = writing its folder under
 * `engine/connectors/` and adding one line to `index.ts`. The conformance suite and the
 * config schema checks iterate this registry, so there is no second list to keep in sync.
 */
import type { ConnectorFactory } from './types.ts';

const KIND = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export class ConnectorRegistry {
  private readonly factories = new Map<string, ConnectorFactory>();

  add(factory: ConnectorFactory): this {
    if (!KIND.test(factory.kind)) throw new Error(`connector kind "${factory.kind}" must be kebab-case`);
    if (this.factories.has(factory.kind))
      throw new Error(`connector kind "${factory.kind}" registered twice`);
    this.factories.set(factory.kind, factory);
    return this;
  }

  get(kind: string): ConnectorFactory | undefined {
    return this.factories.get(kind);
  }

  /** Registered kinds, sorted. */
  kinds(): string[] {
    return [...this.factories.keys()].sort();
  }

  all(): ConnectorFactory[] {
    return this.kinds().map((kind) => this.factories.get(kind)!);
  }
}
