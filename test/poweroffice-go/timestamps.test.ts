/**
 * The connector's timestamp handling: exact instants in 100 ns ticks, any offset or digit
 * count, never through JS Date for cursors.
 */
import { describe, expect, it } from 'vitest';
import {
  compareTimestamps,
  fromDate,
  laterOf,
  minusMs,
  toDate,
  toTicks,
} from '../../engine/connectors/poweroffice-go/timestamps.ts';

describe('PowerOffice Go timestamps', () => {
  it('keeps all 7 fractional digits', () => {
    expect(compareTimestamps('2024-01-01T10:00:00.1234567+00:00', '2024-01-01T10:00:00.1234568+00:00')).toBe(
      -1,
    );
    // Same millisecond: JS Date could not tell them apart.
    expect(new Date('2024-01-01T10:00:00.1234567Z').getTime()).toBe(
      new Date('2024-01-01T10:00:00.1234568Z').getTime(),
    );
  });

  it('compares across offsets, digit counts and the vendor example notation', () => {
    expect(compareTimestamps('2024-01-01T12:00:00.5+02:00', '2024-01-01T10:00:00.5000000Z')).toBe(0);
    expect(compareTimestamps('2021-09-25 08:03:00.1234567 -00:00', '2021-09-25T08:03:00.1234567+00:00')).toBe(
      0,
    );
    expect(compareTimestamps('2024-01-01T10:00:00+0100', '2024-01-01T09:00:00.0000001Z')).toBe(-1);
    expect(toTicks('2024-01-01T10:00:00.12345678Z')).toBe(toTicks('2024-01-01T10:00:00.1234567Z'));
    expect(toTicks('not a date')).toBeUndefined();
  });

  it('returns the later one as the original string', () => {
    expect(laterOf('2024-01-01T12:00:00.0000001+02:00', '2024-01-01T10:00:00Z')).toBe(
      '2024-01-01T12:00:00.0000001+02:00',
    );
    expect(laterOf(undefined, 'x')).toBe('x');
  });

  it('moves back with full precision and formats in UTC', () => {
    expect(minusMs('2024-01-01T10:00:02.0000001+00:00', 2000)).toBe('2024-01-01T10:00:00.0000001+00:00');
    expect(minusMs('2024-01-01T00:00:00.5000000+01:00', 1000)).toBe('2023-12-31T22:59:59.5000000+00:00');
    expect(fromDate(new Date('2024-05-01T10:00:00.123Z'))).toBe('2024-05-01T10:00:00.1230000+00:00');
  });

  it('gives modifiedAt dates', () => {
    expect(toDate('2024-01-01T12:00:00.9999999+02:00')?.toISOString()).toBe('2024-01-01T10:00:00.999Z');
    expect(toDate(null)).toBeUndefined();
  });
});
