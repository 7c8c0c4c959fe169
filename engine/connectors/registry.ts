/**
 * The one place connector kinds are registered. Adding a system = writing its folder under
 * `engine/connectors/` (with its spec, see spec.ts) and adding one line to `index.ts`.
 * Registering a kind loads only its declarations; its code is imported when a connector of
 * that kind is first built (`create`), so the registry is cheap to load. The
 * generated mapsync.schema.json, the config checks, `mapsync sandbox`, `serve --sandbox` and
 * the conformance suite all walk this registry, so there is no second list to keep in sync.
 */
import type { Runtime } from '../runtime.ts';
import { type OptionsReader, optionsReader, secretKeysOf } from './options.ts';
import type { ConnectorSpec, OptionsSchema } from './spec.ts';
import type { Connector, EntityDescriptor } from './types.ts';

const KIND = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** A registered kind: its spec plus what is derived from it. */
export interface ConnectorKind {
  readonly kind: string;
  readonly description: string;
  readonly spec: ConnectorSpec;
  readonly entities: Readonly<Record<string, EntityDescriptor>>;
  /** Option keys holding secrets (`writeOnly` in the fragment). */
  readonly secretKeys: readonly string[];
  /**
   * Read `config` (a system block, interpolated) and build a connector, importing the kind's
   * code on first use (see ConnectorSpec.create); rejects with a ConfigError when invalid.
   */
  create(config: Readonly<Record<string, unknown>>, runtime: Runtime): Promise<Connector>;
  /**
   * Check `config` as `create` does (the options reader), without building a connector or
   * loading the kind's code: the checked options, or a ConfigError naming every problem.
   */
  readOptions(config: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>>;
}

export class ConnectorRegistry {
  private readonly kindsByName = new Map<string, ConnectorKind>();

  add<S extends OptionsSchema>(spec: ConnectorSpec<S>): this {
    if (!KIND.test(spec.kind)) throw new Error(`connector kind "${spec.kind}" must be kebab-case`);
    if (this.kindsByName.has(spec.kind)) throw new Error(`connector kind "${spec.kind}" registered twice`);
    // Compiled on first use: commands that never build a connector never pay for it.
    let read: OptionsReader<S> | undefined;
    this.kindsByName.set(spec.kind, {
      kind: spec.kind,
      description: spec.description,
      spec: spec as unknown as ConnectorSpec,
      entities: spec.entities,
      secretKeys: secretKeysOf(spec.options),
      create: async (config, runtime) => {
        read ??= optionsReader(spec);
        return await spec.create(read(config), runtime);
      },
      readOptions: (config) => {
        read ??= optionsReader(spec);
        return read(config);
      },
    });
    return this;
  }

  get(kind: string): ConnectorKind | undefined {
    return this.kindsByName.get(kind);
  }

  /** Registered kinds, sorted. */
  kinds(): string[] {
    return [...this.kindsByName.keys()].sort();
  }

  all(): ConnectorKind[] {
    return this.kinds().map((kind) => this.kindsByName.get(kind)!);
  }
}
