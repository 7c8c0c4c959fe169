/**
 * The entity schemas (schemas/woocommerce/*.schema.json), loaded once as static data: the
 * connector reads field types from them (a `null` for a string field is written as `""`).
 */
import customer from '../../../schemas/woocommerce/customer.schema.json' with { type: 'json' };
import order from '../../../schemas/woocommerce/order.schema.json' with { type: 'json' };
import product from '../../../schemas/woocommerce/product.schema.json' with { type: 'json' };

export const schemas: Readonly<Record<string, unknown>> = { customer, order, product };
