/**
 * Connectors whose next matching record operation is cut off after it reached the system,
 * as a crash or a reset connection would: the operation is done there, the engine hears an
 * ambiguous failure (`kind: 'ambiguous'`) and must resume it without doing it twice. With
 * `how: 'refuse'` the operation is refused before it is sent instead (`kind: 'validation'`).
 */
import { ConnectorError } from '../../../engine/connectors/errors.ts';
import { connectors as builtIn } from '../../../engine/connectors/index.ts';
import type { Connector, OperationRequest } from '../../../engine/connectors/types.ts';

/**
 * Set `operation` to cut the next operation of that name off (or refuse it, `how:
 * 'refuse'`); both are cleared once it has been, so that a later file in the same worker
 * (vitest.config.ts runs test/e2e without isolation) finds no refusal left over.
 */
export const cutOff: { operation?: string; how?: 'cut' | 'refuse' } = {};

/** The built-in connector spec of `kind`, with its operations cut off as `cutOff` says. */
export function cuttable(kind: 'woocommerce' | 'poweroffice-go') {
  const spec = builtIn.get(kind)!.spec;
  return {
    ...spec,
    async create(options: never, runtime: never): Promise<Connector> {
      const connector = await spec.create(options, runtime);
      const operations = connector.operations!;
      return Object.assign(connector, {
        operations: {
          async perform(request: OperationRequest, writeOptions?: { signal?: AbortSignal }) {
            const hit = cutOff.operation === request.operation;
            const how = hit ? cutOff.how : undefined;
            if (hit) {
              cutOff.operation = undefined;
              cutOff.how = undefined;
            }
            if (how === 'refuse')
              throw new ConnectorError(`${kind}: refused for the test`, { system: kind, kind: 'validation' });
            const done = await operations.perform(request, writeOptions);
            if (hit) {
              throw new ConnectorError(`${kind}: connection reset after the request was sent`, {
                system: kind,
                kind: 'ambiguous',
              });
            }
            return done;
          },
        },
      });
    },
  };
}
