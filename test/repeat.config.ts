/**
 * The config `npm run test:repeat` (test/repeat.ts) runs: vitest.config.ts's projects, each
 * once per repetition (`MAPSYNC_REPEAT_TIMES`, default 5), as projects of their own
 * (`isolated #1`, `shared #1`, `isolated #2`, …), so one vitest start runs every repetition:
 * each file runs that many times, each time in a worker of its repetition's project, and
 * test/repeat-reporter.ts says which repetitions passed.
 *
 * The repetitions run one after the other (each its own `sequence.groupOrder`), unless
 * `MAPSYNC_REPEAT_OVERLAP=1`: then all of them are one group, and a worker that is free takes
 * the next file of any repetition. Only for files that may run beside a copy of themselves:
 * every server on port 0, every folder, PostgreSQL schema and Redis prefix of a name of their
 * own (a few fleet files use fixed Redis prefixes), as the repeat list of `.ci/run` does.
 */
import { statSync } from 'node:fs';
import { defineConfig, mergeConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from '../vitest.config.ts';

const times = Number(process.env.MAPSYNC_REPEAT_TIMES ?? '5');
if (!Number.isInteger(times) || times < 1) throw new Error('MAPSYNC_REPEAT_TIMES needs a whole number ≥ 1');
const workers = process.env.MAPSYNC_REPEAT_WORKERS ? Number(process.env.MAPSYNC_REPEAT_WORKERS) : undefined;

const overlap = process.env.MAPSYNC_REPEAT_OVERLAP === '1';

const projects = (base.test?.projects ?? []) as Array<{ test: { name: string } }>;

/**
 * Longest first over all repetitions (vitest's own order runs project after project): a file's
 * duration from vitest's cache (its last run in `npm test` or a repeat), else its size. Every
 * worker then takes the next longest file, so the slow files (the PowerOffice rate limit's
 * 100-call burst, `mapsync serve --sandbox`'s backfill) do not all end up last.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const weight = (spec: TestSpecification) => {
      const file = spec.moduleId.slice(this.ctx.config.root.length + 1);
      const base = spec.project.name.replace(/ #\d+$/, '');
      const known =
        cache.getFileTestResults(`${spec.project.name}:${file}`) ??
        cache.getFileTestResults(`${base}:${file}`);
      // Bytes stand for milliseconds where no run is known: a guess for the order only.
      return known?.duration ?? statSync(spec.moduleId).size;
    };
    const run = (spec: TestSpecification) => Number(/#(\d+)$/.exec(spec.project.name)?.[1] ?? 0);
    return [...files].sort((a, b) => weight(b) - weight(a) || run(a) - run(b));
  }
}

export default mergeConfig(
  { ...base, test: { ...base.test, projects: undefined } },
  defineConfig({
    test: {
      ...(workers ? { maxWorkers: workers } : {}),
      reporters: ['default', './test/repeat-reporter.ts'],
      sequence: { sequencer: LongestFirst },
      projects: Array.from({ length: times }, (_, i) =>
        projects.map((project) => ({
          ...project,
          test: {
            ...project.test,
            name: `${project.test.name} #${i + 1}`,
            ...(workers ? { maxWorkers: workers } : {}),
            sequence: { groupOrder: overlap ? 0 : i },
          },
        })),
      ).flat(),
    },
  }),
);
