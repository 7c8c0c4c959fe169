/**
 * The connector's `test` preconditions (preconditions.ts): a 400 refusing the op itself
 * turns into `stale` once, warned once, and from then on this connector instance answers
 * that it does not honour them; any other failure passes through unchanged.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/connectors/errors.ts';
import { responseError } from '../../engine/connectors/poweroffice-go/errors.ts';
import { TestPreconditions } from '../../engine/connectors/poweroffice-go/preconditions.ts';
import { createLogger } from '../../engine/observability/logger.ts';

const refusedBody = JSON.stringify({
  title: 'Customer validation error(s)',
  detail: 'CustomerPatchDto: The test operation is not supported.',
});
const refusal = () =>
  responseError({ method: 'PATCH', path: '/v2/Customers/1', status: 400, body: refusedBody });
const withTest = [
  { op: 'test' as const, path: '/PhoneNumber', value: '1' },
  { op: 'replace' as const, path: '/PhoneNumber', value: '2' },
];

function recordingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}

describe('PowerOffice Go: test preconditions', () => {
  it('a refused test op: stale, warned once, not honoured from then on', () => {
    const { logger, lines } = recordingLogger();
    const preconditions = new TestPreconditions(logger);
    expect(preconditions.honoured()).toBe(true);
    const first = preconditions.refusal(refusal(), withTest) as ConnectorError;
    expect(first).toBeInstanceOf(ConnectorError);
    expect(first.kind).toBe('stale');
    expect(first.message).toContain('The test operation is not supported');
    expect(preconditions.honoured()).toBe(false);
    expect((preconditions.refusal(refusal(), withTest) as ConnectorError).kind).toBe('stale');
    expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
  });

  it('other failures, and a refusal of a patch without a test op, pass through unchanged', () => {
    const { logger } = recordingLogger();
    const preconditions = new TestPreconditions(logger);
    const other = responseError({
      method: 'PATCH',
      path: '/v2/Customers/1',
      status: 400,
      body: JSON.stringify({ title: 'Customer validation error(s)', detail: 'Name is required.' }),
    });
    expect(preconditions.refusal(other, withTest)).toBe(other);
    const refused = refusal();
    expect(preconditions.refusal(refused, withTest.slice(1))).toBe(refused);
    expect(preconditions.honoured()).toBe(true);
  });
});
