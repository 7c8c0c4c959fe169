/**
 * The `payment_accounts` option of a PowerOffice Go system (payment method id → account
 * number), its default and its offline check (`CFG_PAYMENT_ACCOUNT`); how the connector
 * uses it against the client is in payment-accounts.ts.
 */
import type { FileProblem, OptionSchema } from '../spec.ts';

export const CFG_PAYMENT_ACCOUNT = 'CFG_PAYMENT_ACCOUNT';

export const DEFAULT_PAYMENT_ACCOUNTS: Readonly<Record<string, number>> = {
  bacs: 1920,
  cheque: 1920,
  cod: 1920,
  stripe: 1902,
  vipps: 1903,
  kco: 1904,
  klarna_payments: 1904,
};

export const paymentAccountsOption = {
  type: 'object',
  title: 'Payment accounts',
  description:
    'The account each shop payment method is booked on when a payment is registered (payment method id as the shop names it → general ledger account number, 1000–1999). Default: bacs, cheque, cod → 1920; stripe → 1902; vipps → 1903; kco, klarna_payments → 1904. A method not in the table is not registered (reported).',
  additionalProperties: { type: 'integer' },
  default: DEFAULT_PAYMENT_ACCOUNTS,
  examples: [{ stripe: 1902, vipps: 1903, kco: 1904, bacs: 1920 }],
} as const satisfies OptionSchema;

const METHOD = /^[A-Za-z0-9_-]{1,64}$/;
const CUSTOMER_CONTROL_ACCOUNT = 1500;

/** What is wrong with a `payment_accounts` table (empty when nothing). */
export function paymentAccountProblems(table: unknown): FileProblem[] {
  if (table === undefined || table === null) return [];
  const problem = (path: (string | number)[], message: string): FileProblem => ({
    path: ['payment_accounts', ...path],
    code: CFG_PAYMENT_ACCOUNT,
    message,
  });
  if (typeof table !== 'object' || Array.isArray(table))
    return [problem([], '"payment_accounts" must be a table: payment method id → account number')];
  const out: FileProblem[] = [];
  const entries = Object.entries(table as Record<string, unknown>);
  if (entries.length === 0)
    out.push(problem([], '"payment_accounts" is empty: no payment could be registered'));
  for (const [method, account] of entries) {
    if (!METHOD.test(method))
      out.push(
        problem(
          [method],
          `payment method "${method}" is not a payment method id (letters, digits, _ and -, as the shop's payment_method)`,
        ),
      );
    if (typeof account !== 'number' || !Number.isInteger(account)) continue; // the schema reports it
    if (account === CUSTOMER_CONTROL_ACCOUNT)
      out.push(
        problem(
          [method],
          `payment method "${method}": account 1500 is the customer control account; payments are booked against it already — name the account the money arrives on (e.g. 1920)`,
        ),
      );
    else if (account < 1000 || account > 1999)
      out.push(
        problem(
          [method],
          `payment method "${method}": account ${account} is not an asset account (1000–1999) that money arrives on`,
        ),
      );
  }
  return out;
}
