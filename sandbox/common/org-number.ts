/**
 * Norwegian organisation numbers (Brønnøysund): 9 digits, the last one a mod-11 check digit
 * with weights 3 2 7 6 5 4 3 2; a remainder of 1 gives no valid number. Spaces are allowed
 * in input ("999 999 999") and ignored. Both sandboxes use these: PowerOffice Go validates
 * them, the WooCommerce seed makes them for company buyers (and, when asked, broken ones).
 */
import type { Random } from './random.ts';

const WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2];

/** The check digit of the first eight digits, or undefined when none is valid. */
export function checkDigit(first8: string): number | undefined {
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(first8[i]), 0);
  const remainder = sum % 11;
  const check = remainder === 0 ? 0 : 11 - remainder;
  return check === 10 ? undefined : check;
}

export function validOrganizationNumber(value: string): boolean {
  const digits = value.replace(/\s+/g, '');
  if (!/^\d{9}$/.test(digits)) return false;
  return checkDigit(digits.slice(0, 8)) === Number(digits[8]);
}

/** A valid number starting with 8 or 9 (as organisations' do), or one with a wrong check digit. */
export function orgNumber(rnd: Random, valid = true): string {
  for (;;) {
    const first8 = `${rnd.pick(['8', '9'])}${String(rnd.int(0, 9_999_999)).padStart(7, '0')}`;
    const check = checkDigit(first8);
    if (check === undefined) continue;
    return `${first8}${valid ? check : (check + 1 + rnd.int(0, 8)) % 10}`;
  }
}
