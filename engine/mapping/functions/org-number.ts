/**
 * `$orgNumber`: a Norwegian organisation number (Brønnøysund) checked and normalised: 9
 * digits, spaces allowed in the input, the last digit a mod-11 check digit with weights
 * 3 2 7 6 5 4 3 2 (a remainder giving 10 is no valid number). Nothing in, nothing out; an
 * invalid number throws, so the record fails with the reason instead of reaching the
 * accounts with a number that identifies nobody (or somebody else). The message names no
 * value: reasons go to logs and the status page.
 */
const WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2];

export function orgNumber(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).replace(/\s+/g, '');
  if (text === '') return undefined;
  if (!/^\d{9}$/.test(text)) {
    throw new Error('$orgNumber: not a Norwegian organisation number (9 digits expected)');
  }
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(text[i]), 0);
  const check = (11 - (sum % 11)) % 11;
  if (check === 10 || check !== Number(text[8])) {
    throw new Error(
      '$orgNumber: not a valid Norwegian organisation number (its mod-11 check digit is wrong)',
    );
  }
  return text;
}
