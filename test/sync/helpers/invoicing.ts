/**
 * Mapping actions in the engine tests: an `invoice` operation declared by the test kind
 * `erp` and performed by its memory system (an invoice number handed out, every call
 * recorded), and the order mappings of setup.ts with an `actions:` block that invoices
 * completed orders.
 */
import type { MemoryConnector } from '../../../engine/connectors/memory/connector.ts';
import type { OperationDeclaration } from '../../../engine/connectors/spec.ts';
import type { OperationRequest, RecordOperations } from '../../../engine/connectors/types.ts';
import type { CompiledMapping } from '../../../engine/mapping/model.ts';
import { CUSTOMER_YAML, orderYaml, PRODUCT_YAML, systems } from './setup.ts';
import { compileYaml } from './yaml.ts';

const INVOICE: OperationDeclaration = {
  entity: 'salesorder',
  description: 'invoice the sales order (engine tests)',
  options: { type: 'object', properties: {} },
  value: 'none',
  result: ['InvoiceNo'],
};

const INVOICE_ACTION = `
actions:
  - name: invoice
    when: status = "completed"
    operation: invoice
    locks_target: true
`;

/** salesorder (invoicing completed orders) and salesorderline, compiled. */
export async function invoicingOrderMappings(): Promise<CompiledMapping[]> {
  const order = orderYaml('create', 'wait');
  const files = {
    customer: CUSTOMER_YAML,
    product: PRODUCT_YAML,
    ...order,
    salesorder: `${order.salesorder}${INVOICE_ACTION}`,
  };
  const all = await compileYaml(files, systems(), { erp: { invoice: INVOICE } });
  return ['salesorder', 'salesorderline'].map((name) => all.find((m) => m.name === name)!);
}

/**
 * Give `erp` the `invoice` operation; returns the requests it received. `before` runs first
 * on every call (to change the store as another process would, at a known point).
 */
export function invoicing(
  erp: MemoryConnector,
  before?: (request: OperationRequest) => Promise<void>,
): OperationRequest[] {
  const calls: OperationRequest[] = [];
  let invoiceNo = 10_001;
  const operations: RecordOperations = {
    async perform(request) {
      await before?.(request);
      calls.push(request);
      return { result: { InvoiceNo: invoiceNo++ }, summary: `sales order ${request.id} invoiced` };
    },
  };
  Object.defineProperty(erp, 'operations', { value: operations, configurable: true });
  return calls;
}
