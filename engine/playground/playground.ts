/**
 * The playground behind its HTTP routes: list the mappings, evaluate an edit, save one.
 * Owned by a composition root (`mapsync playground`, `mapsync serve`), which closes it.
 */
import { type EvaluateRequest, type EvaluateResult, evaluateMapping, type FetchRecord } from './evaluate.ts';
import { PlaygroundEvaluator, type PlaygroundEvaluatorOptions } from './evaluator.ts';
import { listMappings, type MappingList } from './list.ts';
import { type SaveRequest, type SaveResult, saveMapping } from './save.ts';
import type { PlaygroundWorkspace } from './workspace.ts';

export interface PlaygroundOptions {
  workspace: PlaygroundWorkspace;
  /** Live records by id (read-only); absent: records are pasted or taken from test cases. */
  fetchRecord?: FetchRecord;
  evaluator?: PlaygroundEvaluatorOptions;
  /** Said with every save: in `serve`, the running service keeps its mappings until restarted. */
  saveNote?: string;
}

export class Playground {
  readonly workspace: PlaygroundWorkspace;
  private readonly evaluator: PlaygroundEvaluator;
  private readonly fetchRecord: FetchRecord | undefined;
  private readonly saveNote: string | undefined;
  /** Saves one at a time: each compares the version on disk with the one it edited. */
  private saves: Promise<unknown> = Promise.resolve();

  constructor(options: PlaygroundOptions) {
    this.workspace = options.workspace;
    this.evaluator = new PlaygroundEvaluator(options.evaluator);
    this.fetchRecord = options.fetchRecord;
    this.saveNote = options.saveNote;
  }

  /** Whether records can be fetched live by id. */
  get connected(): boolean {
    return this.fetchRecord !== undefined;
  }

  list(): Promise<MappingList> {
    return listMappings(this.workspace);
  }

  evaluate(request: EvaluateRequest): Promise<EvaluateResult> {
    return evaluateMapping(
      {
        workspace: this.workspace,
        evaluator: this.evaluator,
        ...(this.fetchRecord ? { fetchRecord: this.fetchRecord } : {}),
      },
      request,
    );
  }

  save(request: SaveRequest): Promise<SaveResult & { note?: string }> {
    const note = this.saveNote;
    const saved = this.saves.then(async () => ({
      ...(await saveMapping(this.workspace, request)),
      ...(note ? { note } : {}),
    }));
    this.saves = saved.catch(() => undefined);
    return saved;
  }

  close(): Promise<void> {
    return this.evaluator.close();
  }
}
