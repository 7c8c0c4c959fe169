/**
 * The cache behind a connector's `runSettings` capability: settings are read at most once
 * per `maxAgeMs` (default 5 minutes) across runs, read anew when a run asks for `refresh`
 * (reconciliation), and reads that overlap share one request set. A failed read is not
 * kept: the next run tries again.
 */
import type { RunSettings } from './types.ts';

export const RUN_SETTINGS_MAX_AGE_MS = 5 * 60_000;

type Settings = Readonly<Record<string, unknown>>;

export function cachedRunSettings(
  read: (signal?: AbortSignal) => Promise<Settings>,
  now: () => Date,
  maxAgeMs = RUN_SETTINGS_MAX_AGE_MS,
): RunSettings {
  let cached: { at: number; value: Promise<Settings> } | undefined;
  return {
    read(options = {}) {
      const at = now().getTime();
      if (!cached || options.refresh || at - cached.at >= maxAgeMs) {
        const value = read(options.signal);
        const entry = { at, value };
        cached = entry;
        value.catch(() => {
          if (cached === entry) cached = undefined;
        });
      }
      return cached.value;
    },
  };
}
