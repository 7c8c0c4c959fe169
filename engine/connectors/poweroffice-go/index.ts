/**
 * The PowerOffice Go (v2 API) connector kind: its spec (options, entities, factory,
 * sandbox). See docs/poweroffice-go.md for authentication, the shared rate limit, listing
 * with cursors, JSON Patch writes and error mapping.
 */
import { defineConnector } from '../spec.ts';
import { check, options, resolve } from './config.ts';
import { PowerOfficeGoConnector } from './connector.ts';
import { creditNoteOperation, deleteDraftOperation } from './credit-note.ts';
import { currencyRateLookup } from './currency-rates.ts';
import { entities } from './entities.ts';
import { invoiceOperation } from './invoice.ts';
import { refundPaymentOperation, registerPaymentOperation } from './payment.ts';
import { paymentAccountProblems } from './payment-table.ts';
import { PO_RUN_SETTINGS } from './sales-accounts.ts';

export const powerofficeGo = defineConnector({
  kind: 'poweroffice-go',
  title: 'PowerOffice Go client',
  description: 'PowerOffice Go accounting through its v2 API (customers, products, sales orders and lines)',
  options,
  check,
  fileChecks: (system) => paymentAccountProblems(system.payment_accounts),
  entities,
  runSettings: PO_RUN_SETTINGS,
  lookups: { 'currency-rate': currencyRateLookup },
  operations: {
    invoice: invoiceOperation,
    'credit-note': creditNoteOperation,
    'delete-draft': deleteDraftOperation,
    'register-payment': registerPaymentOperation,
    'refund-payment': refundPaymentOperation,
  },
  create: (o, runtime) => new PowerOfficeGoConnector(resolve(o), runtime),
  devSandbox: () => import('../../../sandbox/poweroffice-go/dev-sandbox.ts').then((m) => m.devSandbox),
  conformance: () => import('../../../sandbox/poweroffice-go/conformance-harness.ts'),
});
