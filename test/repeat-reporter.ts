/**
 * test/repeat.config.ts's reporter: which repetition (`#N` at the end of a project's name)
 * passed, one line each, after the run.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class RepeatReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const runs = new Map<number, { files: number; failed: string[] }>();
    for (const module of modules) {
      const run = Number(/#(\d+)$/.exec(module.project.name)?.[1] ?? 0);
      const entry = runs.get(run) ?? { files: 0, failed: [] };
      entry.files++;
      if (!module.ok()) entry.failed.push(module.relativeModuleId);
      runs.set(run, entry);
    }
    const lines = [...runs.entries()]
      .sort(([a], [b]) => a - b)
      .map(
        ([run, { files, failed }]) =>
          `run ${run}: ${failed.length === 0 ? 'passed' : 'FAILED'} (${files} file${files === 1 ? '' : 's'}${failed.length ? `; failed: ${failed.join(', ')}` : ''})`,
      );
    const failedRuns = [...runs.values()].filter((r) => r.failed.length > 0).length;
    console.log(`\n${lines.join('\n')}\ntest:repeat: ${runs.size - failedRuns} passed, ${failedRuns} failed`);
  }
}
