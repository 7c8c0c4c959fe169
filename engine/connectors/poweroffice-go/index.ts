/**
 * The PowerOffice Go (v2 API) connector kind: its spec (options, entities, factory,
 * sandbox). See docs/poweroffice-go.md for authentication, the shared rate limit, listing
 * with cursors, JSON Patch writes and error mapping.
 *
 * Declarations only (the operations' declarations sit beside their code, in modules that
 * load no HTTP client): the connector itself is imported by `create`.
 */
import { defineConnector } from '../spec.ts';
import { check, options, resolve } from './config.ts';
import { creditNoteOperation, deleteDraftOperation } from './credit-note.ts';
import { currencyRateLookup } from './currency-rates.ts';
import { entities } from './entities.ts';
import { invoiceOperation } from './invoice.ts';
import { refundPaymentOperation, registerPaymentOperation } from './payment.ts';
import { paymentAccountProblems } from './payment-table.ts';

/** What a mapping may read as `$target_settings.<name>` (read by sales-accounts.ts and currencies.ts). */
const runSettings = {
  sales_accounts:
    "Income account number (3000–3999, as a string) → {id, vat_code, vat_rate}: the account's id and its VAT code with the rate in percent.",
  sales_account_vat_rates: 'Income account id (as a string) → the VAT rate in percent of its VAT code.',
  sales_account_of_tax_class:
    'The option sales_accounts of the system block: WooCommerce tax class ("" = standard) → income account number.',
  currencies:
    'Currency codes a sales order or customer may have, sorted: those active on the client (every code PowerOffice Go knows with the option currencies: known); from GET /Currencies.',
} as const;

export const powerofficeGo = defineConnector({
  kind: 'poweroffice-go',
  title: 'PowerOffice Go client',
  description: 'PowerOffice Go accounting through its v2 API (customers, products, sales orders and lines)',
  options,
  check,
  fileChecks: (system) => paymentAccountProblems(system.payment_accounts),
  entities,
  runSettings,
  lookups: { 'currency-rate': currencyRateLookup },
  operations: {
    invoice: invoiceOperation,
    'credit-note': creditNoteOperation,
    'delete-draft': deleteDraftOperation,
    'register-payment': registerPaymentOperation,
    'refund-payment': refundPaymentOperation,
  },
  create: async (o, runtime) => {
    const { PowerOfficeGoConnector } = await import('./connector.ts');
    return new PowerOfficeGoConnector(resolve(o), runtime);
  },
  devSandbox: () => import('../../../sandbox/poweroffice-go/dev-sandbox.ts').then((m) => m.devSandbox),
  conformance: () => import('../../../sandbox/poweroffice-go/conformance-harness.ts'),
});
