/**
 * The local sandboxes (`mapsync sandbox`, `serve --sandbox`) are a development tool: a
 * production install (the container image) leaves sandbox/ out. Loading them goes through
 * here, so that their absence is a plain configuration error, not an internal one.
 */
import { ConfigError } from './errors.ts';

export async function importSandbox<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code === 'ERR_MODULE_NOT_FOUND' && /\/sandbox\//.test(e.message ?? '')) {
      throw new ConfigError(
        'SANDBOX_NOT_INSTALLED',
        'the sandboxes are not part of this installation (production images leave them out); run them from a source checkout (npm ci && npm start)',
      );
    }
    throw error;
  }
}
