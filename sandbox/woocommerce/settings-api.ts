/**
 * The settings API (`/settings`, `/settings/<group>`, `/settings/<group>/<id>`,
 * `/settings/<group>/batch`) for the options the sandbox models (tax/options.ts), as
 * `WC_REST_Setting_Options_Controller` answers:
 *
 * - an option is `{id, label, description, type, default, tip?, value, options?, group_id}`;
 * - `PUT` takes `{value}` and validates by type: checkbox `yes`/`no` (empty = the default),
 *   select/radio a key of `options`, otherwise text (trimmed); a bad value is 400
 *   `rest_setting_value_invalid` "An invalid setting value was passed.";
 * - unknown groups 404 `rest_setting_setting_group_invalid` "Invalid setting group.",
 *   unknown options 404 `rest_setting_setting_invalid` "Invalid setting.";
 * - the tax group exists only while taxes are enabled (`WC_Settings_Tax` registers its page
 *   only then) — the strict reading of an uncertain point;
 * - writing `woocommerce_tax_classes` (one class name per line) creates and deletes
 *   classes as the tax settings page does (deleting a class deletes its rates).
 */
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';
import { OPTION_DEFS, type OptionDef } from './tax/options.ts';
import { classSlug } from './tax/rates.ts';
import { WpError } from './wp-error.ts';

const GROUPS: Record<string, { label: string; description: string }> = {
  general: { label: 'General', description: '' },
  products: { label: 'Products', description: '' },
  tax: { label: 'Tax', description: '' },
};

const invalidGroup = () => new WpError('rest_setting_setting_group_invalid', 'Invalid setting group.', 404);
const invalidSetting = () => new WpError('rest_setting_setting_invalid', 'Invalid setting.', 404);
const invalidValue = () =>
  new WpError('rest_setting_value_invalid', 'An invalid setting value was passed.', 400);

function groupExists(shop: Shop, group: string): boolean {
  if (!(group in GROUPS)) return false;
  return group !== 'tax' || shop.data.options.woocommerce_calc_taxes === 'yes';
}

/** Options of select fields that depend on the shop's data. */
function optionsOf(shop: Shop, def: OptionDef): Record<string, string> | undefined {
  if (def.id === 'woocommerce_shipping_tax_class') {
    return {
      inherit: 'Shipping tax class based on cart items',
      '': 'Standard',
      ...Object.fromEntries(shop.data.taxClasses.map((c) => [c.slug, c.name])),
    };
  }
  if (def.id === 'woocommerce_default_country') {
    return {
      NO: 'Norway',
      SE: 'Sweden',
      DK: 'Denmark',
      FI: 'Finland',
      DE: 'Germany',
      GB: 'United Kingdom',
      'US:CA': 'United States (US) — California',
    };
  }
  return def.options;
}

function currentValue(shop: Shop, def: OptionDef): string {
  if (def.id === 'woocommerce_tax_classes') return shop.data.taxClasses.map((c) => c.name).join('\n');
  return shop.data.options[def.id] ?? def.default;
}

function view(shop: Shop, def: OptionDef): Rec {
  const options = optionsOf(shop, def);
  return {
    id: def.id,
    label: def.label,
    description: def.description,
    type: def.type,
    default: def.default,
    ...(def.tip ? { tip: def.tip } : {}),
    value: currentValue(shop, def),
    ...(options ? { options } : {}),
    group_id: def.group,
  };
}

export function listGroups(shop: Shop): Rec[] {
  return Object.entries(GROUPS)
    .filter(([id]) => groupExists(shop, id))
    .map(([id, g]) => ({ id, label: g.label, description: g.description, parent_id: '', sub_groups: [] }));
}

export function groupSettings(shop: Shop, group: string): Rec[] {
  if (!groupExists(shop, group)) throw invalidGroup();
  return OPTION_DEFS.filter((d) => d.group === group).map((d) => view(shop, d));
}

function definition(shop: Shop, group: string, id: string): OptionDef {
  if (!groupExists(shop, group)) throw invalidGroup();
  const def = OPTION_DEFS.find((d) => d.group === group && d.id === id);
  if (!def) throw invalidSetting();
  return def;
}

export function getSetting(shop: Shop, group: string, id: string): Rec {
  return view(shop, definition(shop, group, id));
}

function validate(shop: Shop, def: OptionDef, raw: unknown): string {
  if (def.type === 'checkbox') {
    if (raw === 'yes' || raw === 'no') return raw;
    if (raw === undefined || raw === null || raw === '' || raw === false) return def.default;
    throw invalidValue();
  }
  if (def.type === 'select' || def.type === 'radio') {
    const options = optionsOf(shop, def) ?? {};
    if (typeof raw === 'string' && Object.hasOwn(options, raw)) return raw;
    throw invalidValue();
  }
  if (raw !== null && typeof raw === 'object') throw invalidValue();
  return String(raw ?? '').trim();
}

/** `woocommerce_tax_classes`: create the new names, delete the missing ones (and their rates). */
function saveTaxClasses(shop: Shop, text: string): void {
  const names = [
    ...new Set(
      text
        .split('\n')
        .map((n) => n.trim())
        .filter((n) => n !== ''),
    ),
  ];
  const kept = shop.data.taxClasses.filter((c) => names.includes(c.name));
  const removed = shop.data.taxClasses.filter((c) => !names.includes(c.name)).map((c) => c.slug);
  shop.data.taxRates = shop.data.taxRates.filter((r) => !removed.includes(r.class));
  const added = names
    .filter((n) => !kept.some((c) => c.name === n))
    .map((name) => ({ slug: classSlug(name), name }))
    .filter((c) => c.slug !== 'standard' && !kept.some((k) => k.slug === c.slug));
  shop.data.taxClasses = [...kept, ...added];
}

export function updateSetting(shop: Shop, group: string, id: string, body: Rec): Rec {
  const def = definition(shop, group, id);
  const value = validate(shop, def, body.value);
  if (def.id === 'woocommerce_tax_classes') saveTaxClasses(shop, value);
  else shop.data.options[def.id] = value;
  shop.onMutate();
  return view(shop, def);
}

/** Set one option by id, whatever its group (admin and seed), validated as the API does. */
export function setOption(shop: Shop, id: string, value: unknown): void {
  const def = OPTION_DEFS.find((d) => d.id === id);
  if (!def) throw invalidSetting();
  const valid = validate(shop, def, value);
  if (def.id === 'woocommerce_tax_classes') saveTaxClasses(shop, valid);
  else shop.data.options[def.id] = valid;
  shop.onMutate();
}

/** `POST /settings/<group>/batch {update: [{id, value}]}`: per-item errors, HTTP 200. */
export function batchSettings(shop: Shop, group: string, body: Rec): Rec {
  if (!groupExists(shop, group)) throw invalidGroup();
  const updates = Array.isArray(body.update) ? (body.update as Rec[]) : [];
  return {
    update: updates.map((item) => {
      try {
        return updateSetting(shop, group, String(item.id ?? ''), item);
      } catch (error) {
        if (error instanceof WpError) return { id: item.id ?? '', error: error.body() };
        throw error;
      }
    }),
  };
}
