/** `$orgNumber`: Norwegian organisation numbers checked with their mod-11 check digit. */
import { describe, expect, it } from 'vitest';
import { orgNumber } from '../../engine/mapping/functions/org-number.ts';

describe('$orgNumber', () => {
  it('accepts valid numbers, with or without spaces, as 9 digits', () => {
    // Brønnøysundregistrene's own number, and DNB's.
    expect(orgNumber('974760673')).toBe('974760673');
    expect(orgNumber('984 851 006')).toBe('984851006');
    expect(orgNumber(984851006)).toBe('984851006');
  });

  it('gives nothing for nothing', () => {
    expect(orgNumber(undefined)).toBeUndefined();
    expect(orgNumber(null)).toBeUndefined();
    expect(orgNumber('  ')).toBeUndefined();
  });

  it('refuses a wrong check digit, a wrong length and text, naming no value', () => {
    expect(() => orgNumber('974760674')).toThrow(/mod-11 check digit is wrong/);
    expect(() => orgNumber('97476067')).toThrow(/9 digits expected/);
    expect(() => orgNumber('NO974760673MVA')).toThrow(/9 digits expected/);
    try {
      orgNumber('974760674');
    } catch (error) {
      expect(String(error)).not.toContain('974760674');
    }
  });

  it('refuses numbers whose check digit would be 10 (no valid number exists)', () => {
    // 1 × weights … gives a remainder of 1 → check digit 10.
    const first8 = ['0', '0', '0', '0', '0', '0', '0', '6']; // 6 × 2 = 12 → 12 % 11 = 1
    for (let d = 0; d <= 9; d++) expect(() => orgNumber(`${first8.join('')}${d}`)).toThrow();
  });
});
