/**
 * Norwegian organisation numbers (Brønnøysund): 9 digits, the last one a mod-11 check digit
 * with weights 3 2 7 6 5 4 3 2; a remainder of 1 gives no valid number. Spaces are allowed
 * in input ("999 999 999") and ignored.
 */
const WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2];

export function validOrganizationNumber(value: string): boolean {
  const digits = value.replace(/\s+/g, '');
  if (!/^\d{9}$/.test(digits)) return false;
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(digits[i]), 0);
  const remainder = sum % 11;
  const check = remainder === 0 ? 0 : 11 - remainder;
  return check !== 10 && check === Number(digits[8]);
}
