/**
 * The shop's options that the settings API shows and the tax model reads (WooCommerce
 * `get_option()` values: strings, `"yes"`/`"no"` for checkboxes). Definitions follow
 * WooCommerce's settings pages (general, products › inventory, tax); the sandbox's defaults
 * are today's sandbox shop: taxes on, prices without tax, round per line, NOK, Norway.
 */
import entityOrder from '../../../schemas/woocommerce/order.schema.json' with { type: 'json' };

export type OptionType = 'text' | 'number' | 'textarea' | 'select' | 'radio' | 'checkbox';

export interface OptionDef {
  id: string;
  group: 'general' | 'products' | 'tax';
  label: string;
  description: string;
  type: OptionType;
  /** WooCommerce's default (what a fresh install has). */
  default: string;
  /** For select/radio: value → label (computed for tax classes). */
  options?: Record<string, string>;
  tip?: string;
}

const CURRENCIES = Object.fromEntries(
  (entityOrder.properties.currency.enum as string[]).map((code) => [code, code]),
);

export const OPTION_DEFS: readonly OptionDef[] = [
  {
    id: 'woocommerce_default_country',
    group: 'general',
    label: 'Country / State',
    description: 'The country and state or province, if any, in which your business is located.',
    type: 'select',
    default: 'US:CA',
  },
  {
    id: 'woocommerce_store_city',
    group: 'general',
    label: 'City',
    description: 'The city in which your business is located.',
    type: 'text',
    default: '',
  },
  {
    id: 'woocommerce_store_postcode',
    group: 'general',
    label: 'Postcode / ZIP',
    description: 'The postal code, if any, in which your business is located.',
    type: 'text',
    default: '',
  },
  {
    id: 'woocommerce_calc_taxes',
    group: 'general',
    label: 'Enable taxes',
    description: 'Enable tax rates and calculations',
    type: 'checkbox',
    default: 'no',
  },
  {
    id: 'woocommerce_enable_coupons',
    group: 'general',
    label: 'Enable coupons',
    description: 'Enable the use of coupon codes',
    type: 'checkbox',
    default: 'yes',
  },
  {
    id: 'woocommerce_calc_discounts_sequentially',
    group: 'general',
    label: '',
    description: 'Calculate coupon discounts sequentially',
    type: 'checkbox',
    default: 'no',
  },
  {
    id: 'woocommerce_currency',
    group: 'general',
    label: 'Currency',
    description:
      'This controls what currency prices are listed at in the catalog and which currency gateways will take payments in.',
    type: 'select',
    default: 'USD',
    options: CURRENCIES,
  },
  {
    id: 'woocommerce_price_thousand_sep',
    group: 'general',
    label: 'Thousand separator',
    description: 'This sets the thousand separator of displayed prices.',
    type: 'text',
    default: ',',
  },
  {
    id: 'woocommerce_price_decimal_sep',
    group: 'general',
    label: 'Decimal separator',
    description: 'This sets the decimal separator of displayed prices.',
    type: 'text',
    default: '.',
  },
  {
    id: 'woocommerce_price_num_decimals',
    group: 'general',
    label: 'Number of decimals',
    description: 'This sets the number of decimal points shown in displayed prices.',
    type: 'number',
    default: '2',
  },
  {
    id: 'woocommerce_manage_stock',
    group: 'products',
    label: 'Manage stock',
    description: 'Enable stock management',
    type: 'checkbox',
    default: 'yes',
  },
  {
    id: 'woocommerce_notify_low_stock_amount',
    group: 'products',
    label: 'Low stock threshold',
    description: 'When product stock reaches this amount you will be notified via email.',
    type: 'number',
    default: '2',
  },
  {
    id: 'woocommerce_prices_include_tax',
    group: 'tax',
    label: 'Prices entered with tax',
    description: '',
    type: 'radio',
    default: 'no',
    options: {
      yes: 'Yes, I will enter prices inclusive of tax',
      no: 'No, I will enter prices exclusive of tax',
    },
  },
  {
    id: 'woocommerce_tax_based_on',
    group: 'tax',
    label: 'Calculate tax based on',
    description: 'This option determines which address is used to calculate tax.',
    type: 'select',
    default: 'shipping',
    options: {
      shipping: 'Customer shipping address',
      billing: 'Customer billing address',
      base: 'Shop base address',
    },
  },
  {
    id: 'woocommerce_shipping_tax_class',
    group: 'tax',
    label: 'Shipping tax class',
    description:
      'Optionally control which tax class shipping gets, or leave it so shipping tax is based on the cart items themselves.',
    type: 'select',
    default: 'inherit',
  },
  {
    id: 'woocommerce_tax_round_at_subtotal',
    group: 'tax',
    label: 'Rounding',
    description: 'Round tax at subtotal level, instead of rounding per line',
    type: 'checkbox',
    default: 'no',
  },
  {
    id: 'woocommerce_tax_classes',
    group: 'tax',
    label: 'Additional tax classes',
    description:
      'List additional tax classes you need below (1 per line, e.g. Reduced Rates). These are in addition to "Standard rate" which exists by default.',
    type: 'textarea',
    default: '',
  },
  {
    id: 'woocommerce_tax_display_shop',
    group: 'tax',
    label: 'Display prices in the shop',
    description: '',
    type: 'select',
    default: 'excl',
    options: { incl: 'Including tax', excl: 'Excluding tax' },
  },
  {
    id: 'woocommerce_tax_display_cart',
    group: 'tax',
    label: 'Display prices during cart and checkout',
    description: '',
    type: 'select',
    default: 'excl',
    options: { incl: 'Including tax', excl: 'Excluding tax' },
  },
  {
    id: 'woocommerce_tax_total_display',
    group: 'tax',
    label: 'Display tax totals',
    description: '',
    type: 'select',
    default: 'itemized',
    options: { single: 'As a single total', itemized: 'Itemized' },
  },
];

/** The sandbox shop's starting values (today's behaviour: see the module comment). */
export const SANDBOX_OPTIONS: Record<string, string> = {
  woocommerce_default_country: 'NO',
  woocommerce_store_city: 'Oslo',
  woocommerce_store_postcode: '0150',
  woocommerce_calc_taxes: 'yes',
  woocommerce_currency: 'NOK',
  woocommerce_price_thousand_sep: ' ',
  woocommerce_price_decimal_sep: ',',
};

export function optionDef(id: string): OptionDef | undefined {
  return OPTION_DEFS.find((d) => d.id === id);
}
