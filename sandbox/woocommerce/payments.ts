/**
 * Payment gateways the sandbox shop has (`GET /payment_gateways`), and the gateway refund
 * that `api_refund: true` asks for (`wc_refund_payment`): a gateway that does not exist or
 * does not support refunds makes the refund fail, as in WooCommerce. Ids are the gateways'
 * real ids (core `bacs`, `cheque`, `cod`; Klarna Checkout `kco`; Stripe `stripe`; Vipps as
 * the official plugin is believed to name it, `vipps` — uncertain, see the reference).
 */
export interface Gateway {
  id: string;
  title: string;
  method_title: string;
  refunds: boolean;
}

export const GATEWAYS: readonly Gateway[] = [
  { id: 'bacs', title: 'Direct bank transfer', method_title: 'Direct bank transfer', refunds: false },
  { id: 'cheque', title: 'Check payments', method_title: 'Check payments', refunds: false },
  { id: 'cod', title: 'Cash on delivery', method_title: 'Cash on delivery', refunds: false },
  { id: 'vipps', title: 'Vipps', method_title: 'Vipps MobilePay', refunds: true },
  { id: 'kco', title: 'Klarna', method_title: 'Klarna Checkout', refunds: true },
  { id: 'stripe', title: 'Credit Card (Stripe)', method_title: 'Stripe', refunds: true },
];

export function gateway(id: unknown): Gateway | undefined {
  return GATEWAYS.find((g) => g.id === id);
}

/** The error message `wc_refund_payment` would give, or undefined when the refund goes through. */
export function gatewayRefundError(paymentMethod: unknown): string | undefined {
  const g = gateway(paymentMethod);
  if (!g) return 'The payment gateway for this order does not exist.';
  if (!g.refunds) return 'The payment gateway for this order does not support automatic refunds.';
  return undefined;
}

/** `GET /payment_gateways` items. */
export function gatewayView(g: Gateway, index: number): Record<string, unknown> {
  return {
    id: g.id,
    title: g.title,
    description: '',
    order: index,
    enabled: true,
    method_title: g.method_title,
    method_description: '',
    method_supports: g.refunds ? ['products', 'refunds'] : ['products'],
    settings: {},
  };
}
