/**
 * A connector kind is declared by ONE spec: its options (a JSON Schema fragment), its
 * entities with their schemas, how to build a connector from read options, and optional
 * dev tooling (a local sandbox) loaded only when used. Everything else is derived from it:
 * the options' TypeScript type (`OptionsOf`), the reader that checks a system's block of
 * mapsync.yaml (options.ts), the secrets, the kind's part of the generated
 * `schemas/mapsync.schema.json` (config-schema.ts), and what `mapsync sandbox`,
 * `serve --sandbox` and the conformance suite start. docs/connectors.md is the guide.
 */
import type { Runtime } from '../runtime.ts';
import type { Connector, EntityDescriptor } from './types.ts';

/**
 * The options fragment: an object schema whose properties are the keys a system block of
 * this kind may hold (besides `connector`). Written `as const`, so that the options' type
 * can be derived from it.
 */
export interface OptionsSchema {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, OptionSchema>>;
  readonly required?: readonly string[];
}

/**
 * One option: a scalar with its range and its help text (`title` and `description` are
 * editor help and docs). `writeOnly: true` marks a secret: it must come from the
 * environment (`${VARIABLE}`) and is scrubbed from logs. A table (`TableOptionSchema`) maps
 * names to integers (a tax class → an account number).
 */
export type OptionSchema = ScalarOptionSchema | TableOptionSchema;

/**
 * A table option: an object whose keys are names (any string, `""` included) and whose
 * values are integers in a range, with the keys it must have and a default table.
 */
export interface TableOptionSchema {
  readonly type: 'object';
  readonly title: string;
  readonly description: string;
  readonly additionalProperties: TableValueSchema;
  /** The rows it must have, each declared here too (with the same value schema). */
  readonly properties?: Readonly<Record<string, TableValueSchema>>;
  readonly required?: readonly string[];
  readonly default?: Readonly<Record<string, number>>;
  readonly examples?: readonly unknown[];
  readonly writeOnly?: undefined;
  readonly enum?: undefined;
  readonly minimum?: undefined;
  readonly maximum?: undefined;
}

/** The value of a table's row. */
export interface TableValueSchema {
  readonly type: 'integer';
  readonly title?: string;
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
}

/** A scalar option. */
export interface ScalarOptionSchema {
  readonly type: 'string' | 'integer' | 'number' | 'boolean';
  readonly title: string;
  readonly description: string;
  readonly writeOnly?: boolean;
  readonly default?: string | number | boolean;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly examples?: readonly unknown[];
}

/**
 * The options a connector receives, derived from the fragment: checked, converted
 * (`"30"` → 30) and defaulted, so a key that is required or has a default is always
 * present. (A mapped type over this flat subset of JSON Schema; general JSON Schema → type
 * libraries hit TypeScript's instantiation limits on fragments of a dozen options.)
 */
export type OptionsOf<S extends OptionsSchema> = Flat<
  { -readonly [K in Present<S>]: ValueOf<S['properties'][K]> } & {
    -readonly [K in Exclude<keyof S['properties'], Present<S>>]?: ValueOf<S['properties'][K]>;
  }
>;

type ValueOf<O extends OptionSchema> = O extends { readonly enum: readonly (infer E)[] }
  ? E
  : O['type'] extends 'object'
    ? Record<string, number>
    : O['type'] extends 'string'
      ? string
      : O['type'] extends 'boolean'
        ? boolean
        : number;

/** Keys that are required or have a default. */
type Present<S extends OptionsSchema> = {
  [K in keyof S['properties']]: S['properties'][K] extends { readonly default: unknown }
    ? K
    : K extends NonNullable<S['required']>[number]
      ? K
      : never;
}[keyof S['properties']];

type Flat<T> = { [K in keyof T]: T[K] };

export interface ConnectorSpec<S extends OptionsSchema = OptionsSchema> {
  /** Registry name, kebab-case (`poweroffice-go`); what `connector:` says in mapsync.yaml. */
  readonly kind: string;
  /** Title of the kind's block in the schema (`WooCommerce shop`). */
  readonly title: string;
  /** One-line description for `--help`, the schema and docs. */
  readonly description: string;
  readonly options: S;
  /**
   * Checks one schema cannot say (a URL without credentials, a path that must end in
   * `/v2`): one message per problem, naming the key, never echoing a secret. It runs even
   * when the schema found problems (every problem is reported at once), so any option may
   * be missing.
   */
  check?(options: Partial<OptionsOf<S>>): string[];
  /**
   * The entities this kind offers, known without any config or network: `mapsync
   * validate` resolves mapping entities and their schemas through them.
   */
  readonly entities: Readonly<Record<string, EntityDescriptor>>;
  /**
   * Optional: the settings of the system that mappings may read as
   * `$source_settings.<name>` / `$target_settings.<name>` (name → one line of help), read by
   * the connector's `runSettings` capability once per run. Declared here so that `mapsync
   * validate` knows the names without connecting.
   */
  readonly runSettings?: Readonly<Record<string, string>>;
  /**
   * Optional: the record operations the kind's connector performs (`Connector.operations`),
   * by name. Mapping `actions:` name them; `mapsync validate` checks entity and options.
   */
  readonly operations?: Readonly<Record<string, OperationDeclaration>>;
  /**
   * Optional: the lookups the kind's connector answers (`Connector.lookups`), by name, for
   * `$fetch('<side>', '<name>', args)` in mapping expressions; `mapsync validate` checks
   * the names.
   */
  readonly lookups?: Readonly<Record<string, LookupDeclaration>>;
  /**
   * Optional: checks of a system block (as written, before interpolation) that the schema
   * cannot express, each with a code of its own (`CFG_PAYMENT_ACCOUNT`); `mapsync validate`
   * reports them at the key, and the options reader refuses the same problems at start.
   */
  readonly fileChecks?: (system: Readonly<Record<string, unknown>>) => FileProblem[];
  /**
   * Build a connector from options already read (see options.ts#readOptions). Import the
   * implementation here, with `await import('./connector.ts')`: the spec module itself holds
   * only declarations (options, entities, names), so loading the registry — every command
   * that reads mapsync.yaml or mappings does — loads no connector's code, HTTP client or
   * vendor library; a kind's code loads when a connector of that kind is built.
   */
  create(options: OptionsOf<S>, runtime: Runtime): Promise<Connector>;
  /**
   * Optional: a local sandbox of this kind for `mapsync sandbox` and `serve --sandbox`,
   * behind a dynamic import so that commands that start none never load it.
   */
  readonly devSandbox?: () => Promise<DevSandbox>;
  /**
   * The kind's harness for the shared conformance suite (test/conformance): a module whose
   * default export is a `ConformanceHarness`. Loaded by the suite only.
   */
  readonly conformance: () => Promise<unknown>;
}

/** A problem of a system block: where (below the system), its code, and what is wrong. */
export interface FileProblem {
  readonly path: readonly (string | number)[];
  readonly code: string;
  readonly message: string;
}

/** A lookup a kind answers (see `ConnectorSpec.lookups`). */
export interface LookupDeclaration {
  /** One line for docs and diagnostics. */
  readonly description: string;
  /** Its arguments (name → one line of help). */
  readonly args: Readonly<Record<string, string>>;
  /** The fields of its answer (name → one line of help). */
  readonly result: Readonly<Record<string, string>>;
}

/** A record operation a kind offers (see `ConnectorSpec.operations`). */
export interface OperationDeclaration {
  /** The entity whose records it applies to. */
  readonly entity: string;
  /** One line for docs and diagnostics. */
  readonly description: string;
  /** Its options, same flat subset as the kind's options (types, ranges, enums, defaults). */
  readonly options: OptionsSchema;
  /** Whether it takes a computed `value` (a note's text, a meta field's value). */
  readonly value: 'required' | 'none';
  /** Fields of its result, bound as `$result` in the write-backs that follow it. */
  readonly result: readonly string[];
}

/** Declare a spec with its options' type inferred from the fragment. */
export function defineConnector<const S extends OptionsSchema>(spec: ConnectorSpec<S>): ConnectorSpec<S> {
  return spec;
}

export interface DevSandboxOptions {
  /** Size of the generated data (the kind says what it generates); 0 = empty. */
  seed: number;
  /** Server-side request limit per second where the real system has one; false = none. */
  rateLimit?: number | false;
  port?: number;
  host?: string;
  /** Keep the sandbox's state in this file across restarts (`serve --sandbox --keep-data`). */
  persistFile?: string;
  /** Fresh random credentials instead of the sandbox's fixed defaults. */
  randomCredentials?: boolean;
}

/** What a kind's dev-sandbox module provides. */
export interface DevSandbox {
  start(options: DevSandboxOptions): Promise<RunningDevSandbox>;
}

export interface RunningDevSandbox {
  /** Options that point a system of this kind at the sandbox (merged over its block). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Values to scrub from logs (the sandbox's keys). */
  readonly secrets: readonly string[];
  /** Machine-readable connection details (`mapsync sandbox --json`). */
  readonly connection: Readonly<Record<string, string>>;
  /** `NAME=value` lines for the environment the shipped mapsync.yaml reads. */
  readonly env: readonly string[];
  /** Addresses for people (status page, banner): label → URL. */
  readonly addresses: Readonly<Record<string, string>>;
  /**
   * Indented lines for people (`serve --sandbox`, `mapsync sandbox`): address, keys, the
   * data it holds and a command to try.
   */
  describe(): string[];
  /**
   * Optional: once the service listens, wire the sandbox to it (the shop registers its
   * webhooks to `serviceUrl/webhooks/<system>`). Resolves when the sandbox has done so.
   */
  connectService?(serviceUrl: string, system: string): Promise<void>;
  close(): Promise<void>;
}
