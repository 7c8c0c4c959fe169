/**
 * Norwegian organisation numbers (9 digits, the last a mod-11 check digit with weights
 * 3 2 7 6 5 4 3 2; a remainder giving check digit 10 is not issued). The seed makes valid
 * ones for company buyers and, when asked, a few with a wrong check digit.
 */
import type { Random } from '../common/random.ts';

const WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2];

export function checkDigit(first8: string): number | undefined {
  const sum = [...first8].reduce((s, d, i) => s + Number(d) * WEIGHTS[i]!, 0);
  const rest = 11 - (sum % 11);
  if (rest === 11) return 0;
  return rest === 10 ? undefined : rest;
}

export function isValidOrgNumber(value: string): boolean {
  const digits = value.replace(/\s+/g, '').replace(/^NO/i, '').replace(/MVA$/i, '');
  if (!/^\d{9}$/.test(digits)) return false;
  return checkDigit(digits.slice(0, 8)) === Number(digits[8]);
}

/** A valid number starting with 8 or 9 (as organisations' do), or a broken one. */
export function orgNumber(rnd: Random, valid = true): string {
  for (;;) {
    const first8 = `${rnd.pick(['8', '9'])}${String(rnd.int(0, 9_999_999)).padStart(7, '0')}`;
    const check = checkDigit(first8);
    if (check === undefined) continue;
    return `${first8}${valid ? check : (check + 1 + rnd.int(0, 8)) % 10}`;
  }
}
