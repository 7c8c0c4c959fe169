/**
 * Request-body validation from our entity schemas (schemas/woocommerce), reported the way
 * WordPress reports route-argument errors: 400 `rest_invalid_param` with `data.params`
 * (`{param: message}`) and `data.details`. Read-only fields are dropped from the schema
 * first, since WordPress ignores them in writes instead of rejecting them.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import customerSchema from '../../schemas/woocommerce/customer.schema.json' with { type: 'json' };
import orderSchema from '../../schemas/woocommerce/order.schema.json' with { type: 'json' };
import productSchema from '../../schemas/woocommerce/product.schema.json' with { type: 'json' };
import { invalidParams, type WpError } from './wp-error.ts';

export type Resource = 'customer' | 'order' | 'product';

export const entitySchemas: Record<Resource, Record<string, unknown>> = {
  customer: customerSchema,
  order: orderSchema,
  product: productSchema,
};

type Node = Record<string, unknown>;

/** A copy of a schema without read-only properties, `required` and `$id`. */
function writable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(writable);
  if (typeof node !== 'object' || node === null) return node;
  const out: Node = {};
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === '$id' || key === 'required' || key === '$schema') continue;
    if (key === 'properties') {
      const props: Node = {};
      for (const [name, prop] of Object.entries(value as Node)) {
        if ((prop as Node).readOnly === true) continue;
        props[name] = writable(prop);
      }
      out[key] = props;
      continue;
    }
    out[key] = writable(value);
  }
  return out;
}

export class BodyValidator {
  private readonly validators: Record<Resource, ValidateFunction>;
  readonly ajv: Ajv;

  constructor() {
    this.ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    addFormats.default(this.ajv);
    for (const schema of Object.values(entitySchemas)) this.ajv.addSchema(schema);
    this.validators = {
      customer: this.ajv.compile(writable(customerSchema) as object),
      order: this.ajv.compile(writable(orderSchema) as object),
      product: this.ajv.compile(writable(productSchema) as object),
    };
  }

  /** Throws `rest_invalid_param` for the first problem of each top-level parameter. */
  check(resource: Resource, body: Record<string, unknown>, ignore?: (error: ErrorObject) => boolean): void {
    const validate = this.validators[resource];
    if (validate(body)) return;
    const params: Record<string, string> = {};
    const details: Record<string, unknown> = {};
    for (const error of validate.errors ?? []) {
      if (ignore?.(error)) continue;
      if (error.schemaPath.includes('/anyOf/')) continue; // the anyOf error itself speaks
      const segments = error.instancePath.split('/').slice(1);
      const top = segments[0] ?? String(error.params.missingProperty ?? '');
      if (!top || params[top]) continue;
      const name = segments.length > 1 ? `${top}[${segments.slice(1).join('][')}]` : top;
      const [code, message] = describe(error, name);
      params[top] = message;
      details[top] = { code, message, data: { param: name } };
    }
    if (Object.keys(params).length > 0) throw invalidParams(params, details);
  }

  /** Whether a response record is valid against the full entity schema (tests). */
  responseErrors(resource: Resource, record: unknown): ErrorObject[] {
    const validate = this.ajv.getSchema(`mapsync:woocommerce/${resource}`)!;
    return validate(record) ? [] : [...(validate.errors ?? [])];
  }
}

function describe(error: ErrorObject, name: string): [string, string] {
  const schema = error.parentSchema as Node | undefined;
  switch (error.keyword) {
    case 'type': {
      const t = error.params.type as string | string[];
      return ['rest_invalid_type', `${name} is not of type ${Array.isArray(t) ? t.join(',') : t}.`];
    }
    case 'enum':
      return [
        'rest_not_in_enum',
        `${name} is not one of ${(error.params.allowedValues as unknown[]).join(', ')}.`,
      ];
    case 'format':
      if (error.params.format === 'email') return ['rest_invalid_email', 'Invalid email address.'];
      if (error.params.format === 'uri') return ['rest_invalid_url', 'Invalid URL.'];
      return ['rest_invalid_param', `${name} is not a valid ${error.params.format}.`];
    case 'pattern':
      if (String(error.params.pattern).includes('\\d{4}-')) return ['rest_invalid_date', 'Invalid date.'];
      return ['rest_invalid_pattern', `${name} does not match pattern ${error.params.pattern}.`];
    case 'anyOf': {
      const options = (schema?.anyOf as Node[] | undefined) ?? [];
      const en = options.find((o) => Array.isArray(o.enum));
      if (options.some((o) => o.format === 'email')) return ['rest_invalid_email', 'Invalid email address.'];
      if (en) return ['rest_not_in_enum', `${name} is not one of ${(en.enum as unknown[]).join(', ')}.`];
      return ['rest_invalid_param', `${name} is invalid.`];
    }
    case 'minimum':
    case 'maximum':
      return ['rest_out_of_bounds', `${name} is out of bounds.`];
    default:
      return ['rest_invalid_param', `${name} is invalid (${error.message}).`];
  }
}

export type { WpError };
