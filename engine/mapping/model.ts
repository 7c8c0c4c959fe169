/**
 * The compiled form of a mapping file: what the loader produces after validation and what
 * the sync engine, the mapping test runner and the docs generator consume. Nothing here is
 * specific to a system; system and entity names are opaque strings resolved through the
 * connector registry.
 *
 * Vocabulary
 * - "source" and "target" are the two sides named in the mapping file. Values are always
 *   compared in the target's vocabulary for properties that flow to the target, and in the
 *   source's vocabulary for properties that flow to the source.
 * - A property `path` is dot-separated (`billing.city`, `MailAddress.City`).
 */
import type { ExpressionSpec } from './evaluator/spec.ts';

export type PairDirection = 'two-way' | 'one-way';
export type PropertyDirection = 'both' | 'to-target' | 'to-source';
export type ConflictPolicy = 'newest-wins' | 'source-wins' | 'target-wins' | 'manual';
export type DeletePolicy = 'ignore' | 'archive' | 'delete';
export type Side = 'source' | 'target';
/** How a match key is compared: `email` trims and case-folds, `trim` trims, `exact` as is. */
export type MatchNormalization = 'email' | 'trim' | 'exact';
export type DependencyPolicy = 'wait' | 'create';

/** A position in a mapping file, for runtime errors and docs. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/** Context a JSONata expression is evaluated with, beyond its input. */
export interface EvaluationContext {
  /**
   * Resolve `$link(mapping, key)`: the id on the *target* side of `mapping` that is linked
   * to source key `key`, or to the source record `key` when an object is given (the engine
   * then matches or creates it, as that mapping allows). Undefined when there is none and
   * the dependency policy says to wait; the engine turns that into a missing-dependency
   * failure.
   */
  link(mapping: string, key: unknown): Promise<unknown>;
  /**
   * Answer `$fetch(side, name, args)`: a lookup the connector of that side of the mapping
   * declares (ConnectorSpec.lookups), asked at most once per run for the same arguments.
   * Absent where no system is connected (checks, the playground): `$fetch` then fails.
   */
  fetch?(side: Side, name: string, args: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** Extra variables (`$parent`, `$position`, mapping `variables`). */
  bindings?: Record<string, unknown>;
  /**
   * Present when `link`'s answers (target ids) may be reused by later evaluations of the
   * same scope (one run) as long as `generation(mapping)` stays the same: the engine moves
   * it on every link of that mapping written or deleted. An evaluation worker then keeps
   * the answers for the run instead of asking for them record after record.
   */
  linkScope?: { generation(mapping: string): number };
  /**
   * The run's abort signal. When it aborts (shutdown, pause), an evaluation still queued or
   * running in a worker is stopped at once (its worker replaced) and rejects with
   * EvaluationInterrupted, instead of running on up to its hard limit.
   */
  signal?: AbortSignal;
}

/** A compiled JSONata expression with its guardrails applied. */
export interface CompiledExpression {
  /** The expression text as written in the file. */
  readonly text: string;
  readonly position: SourcePosition;
  /** The mapping it belongs to and what it is (`property "Name" to_target`), for messages. */
  readonly mapping: string;
  readonly label: string;
  /** Plain data an evaluation worker compiles the same expression from. */
  readonly spec: ExpressionSpec;
  /** Variable names the expression reads (`parent`, …): only those bindings are sent to a worker. */
  readonly reads: readonly string[];
  /** Mappings the expression may `$link` to (their names are literals, checked at validate time). */
  readonly links: readonly string[];
  /** Set when the expression is only a path of names (`line.product_id`): read without JSONata. */
  readonly plainPath?: readonly string[];
  /** Set when the expression is only a literal (`"Draft"`): its value, folded at compile time. */
  readonly constant?: { readonly value: unknown };
  /**
   * Set when the expression cannot run long (evaluator/bounded.ts: straight-line, linear in
   * its input): it is evaluated on the calling thread, not in a worker with a time limit.
   */
  readonly bounded?: boolean;
  /**
   * Set when the expression compiles to a plain closure (evaluator/direct.ts): evaluated
   * without JSONata; it returns GIVE_UP when JSONata must evaluate it after all.
   */
  readonly direct?: (input: unknown, bindings: Readonly<Record<string, unknown>> | undefined) => unknown;
  /**
   * Set when `direct` loops over the input's arrays (evaluator/direct-seq.ts): it runs only
   * on an input of ordinary size, as a bounded expression does (evaluator/local.ts).
   */
  readonly directSized?: boolean;
  /** Whether it calls `$link` (which may write the store): such calls keep their order. */
  readonly callsLink?: boolean;
  /**
   * Evaluate against `input` here, on this thread. Rejects with a `MappingRuntimeError`
   * (code `MAP_EVAL_ERROR`, `MAP_EVAL_TIMEOUT`, `MAP_EVAL_DEPTH`) naming file and line.
   * The engine evaluates through an ExpressionRunner instead (evaluator/runner.ts).
   */
  evaluate(input: unknown, context: EvaluationContext): Promise<unknown>;
  /** The MappingRuntimeError for an evaluation error (JSONata's, or as a worker reported it). */
  failure(error: unknown): Error;
}

export interface CompiledProperty {
  /** Path in the source record (absent for computed-only properties). */
  readonly source?: string;
  /** Path in the target record. Unique per mapping. */
  readonly target: string;
  /** Data type on the target side (explicit, or from the target entity schema). */
  readonly type: string;
  /**
   * Data type on the source side, from the source entity schema (falls back to `type`).
   * Values flowing to the source are converted to it.
   */
  readonly sourceType: string;
  readonly direction: PropertyDirection;
  /** Source record → target value. Derived from `source` + `type` when not written. */
  readonly toTarget?: CompiledExpression;
  /** Target record → source value. Derived from `target` + `type` when not written. */
  readonly toSource?: CompiledExpression;
  /** Overrides the mapping's conflict policy for this property. */
  readonly conflict?: ConflictPolicy;
  /**
   * Values equal after this normalisation are the same value (no change, nothing written):
   * `email` for addresses a system compares case-insensitively. Absent = `exact`.
   */
  readonly normalize?: MatchNormalization;
  /** Free text from the mapping file, for generated docs. */
  readonly description?: string;
  readonly position: SourcePosition;
}

export interface MatchRule {
  /**
   * Path in the source record. Absent: the source record's key is what the mapping's
   * property for `target` yields (an organisation number read from a meta list).
   */
  readonly source?: string;
  readonly target: string;
  readonly normalize: MatchNormalization;
}

/** Fan-out: one source record yields many target records under a parent mapping's record. */
export interface FanOut {
  /** Name of the mapping whose target record is the parent of these children. */
  readonly parent: string;
  /** Evaluated on the source record; always coerced to an array (the singleton trap). */
  readonly each: CompiledExpression;
  /** Evaluated on each child; a stable key for that child within its parent. */
  readonly key: CompiledExpression;
}

/** One step of an action's write-back: an operation on the source record. */
export interface CompiledWriteBack {
  readonly operation: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** On the source record, with `$result` bound to the action's result. */
  readonly value?: CompiledExpression;
}

/**
 * An action (`actions:`): a connector operation on the target record, run once per linked
 * pair when `when` holds on the source record, crash-safely (engine/sync/actions.ts).
 */
export interface CompiledAction {
  readonly name: string;
  readonly description?: string;
  readonly when?: CompiledExpression;
  readonly operation: string;
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * Per-item actions: `each` lists items of the source record (refunds), `key` names each
   * item's identity; the operation runs once per item (engine/sync/action-items.ts).
   */
  readonly each?: CompiledExpression;
  readonly key?: CompiledExpression;
  /** The operation's value (operations that take one): JSONata on the source record, `$item` bound. */
  readonly value?: CompiledExpression;
  /** Once done, the engine never writes the target record (or its children) again. */
  readonly locksTarget: boolean;
  readonly writeBack: readonly CompiledWriteBack[];
  readonly position: SourcePosition;
}

/**
 * A scan (`scans:`): one side listed completely, every `everyMs`, with only `fields`, for
 * values whose changes move no modification time (PowerOffice Go stock) — engine/sync/scan.ts.
 */
export interface CompiledScan {
  readonly name: string;
  readonly description?: string;
  /** The side listed; the properties flow from it to the other side only. */
  readonly side: Side;
  readonly everyMs: number;
  /** Targets (`target` path) of the properties scanned. */
  readonly properties: readonly string[];
  /** The fields of the scanned side those properties read. */
  readonly fields: readonly string[];
  readonly position: SourcePosition;
}

/**
 * A configuration check (`checks:`): evaluated once per run before any record, with the
 * mapping's variables and the sides' run settings bound (engine/mapping/run-checks.ts).
 */
export interface CompiledCheck {
  readonly name: string;
  readonly description?: string;
  /** The items the condition is checked for, each bound as `$` (absent: once, `$` = {}). */
  readonly each?: CompiledExpression;
  /** Must be true for every item. */
  readonly condition: CompiledExpression;
  /** Why, for an item whose condition is not true: names both sides. */
  readonly message: CompiledExpression;
  readonly position: SourcePosition;
}

export interface CompiledMapping {
  readonly name: string;
  readonly file: string;
  readonly description?: string;
  /** `label` names the entity in generated docs (default: the entity name, capitalised). */
  readonly source: {
    readonly system: string;
    readonly entity: string;
    readonly label?: string;
    /** The source entity's schema (the connector's descriptor): what a source record may hold. */
    readonly schema?: string;
  };
  readonly target: {
    readonly system: string;
    readonly entity: string;
    readonly label?: string;
    /** Target records must have these values; set on create, used to filter listings. */
    readonly where: Readonly<Record<string, unknown>>;
    /** When true for a target record, the engine never writes to it (a confirmed order). */
    readonly lockedWhen?: CompiledExpression;
  };
  readonly direction: PairDirection;
  /** Which side may create records in the other. */
  readonly create: { readonly inTarget: boolean; readonly inSource: boolean };
  readonly match: readonly MatchRule[];
  /**
   * Identity guard: target path (and, for two-way creates, source path) whose value is
   * written on create and looked up after a crash. Its value is what the property mapped
   * to that path yields.
   */
  readonly identity?: { readonly target?: string; readonly source?: string };
  /** Source records take part only when this is true. */
  readonly when?: CompiledExpression;
  /**
   * A line for the run summary about a record whose target this run creates or updates
   * (each child, for fan-out mappings): a non-empty string is listed, anything else not.
   */
  readonly report?: CompiledExpression;
  readonly conflict: ConflictPolicy;
  /** Which side wins when two existing records are linked for the first time. */
  readonly firstSync: 'source-wins' | 'target-wins';
  readonly delete: { readonly toTarget: DeletePolicy; readonly toSource: DeletePolicy };
  /** Stop before writing when a run would delete/archive more than this share (0..1). */
  readonly deleteLimit: number;
  /** Mappings this one depends on, with what to do when a linked record is missing. */
  readonly dependencies: ReadonlyArray<{ readonly mapping: string; readonly onMissing: DependencyPolicy }>;
  readonly fanOut?: FanOut;
  readonly properties: readonly CompiledProperty[];
  /** Constants bound as JSONata variables (`$shipping_product_code`). */
  readonly variables: Readonly<Record<string, unknown>>;
  /** Operations run once the record is synced and their condition holds (empty: none). */
  readonly actions?: readonly CompiledAction[];
  /** Periodic scans for changes that move no modification time (empty: none). */
  readonly scans?: readonly CompiledScan[];
  /** Configuration checks, evaluated once per run before any record (absent: none). */
  readonly checks?: readonly CompiledCheck[];
}
