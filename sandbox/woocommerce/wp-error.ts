/**
 * WordPress REST errors as the sandbox answers them: `{code, message, data: {status, …}}`,
 * the same shape real WooCommerce sends (batch items nest it under `error`).
 */
export class WpError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  body(): { code: string; message: string; data: Record<string, unknown> } {
    return { code: this.code, message: this.message, data: { status: this.status, ...this.extra } };
  }
}

/** `rest_invalid_param` with per-parameter messages, as WordPress builds it. */
export function invalidParams(
  params: Record<string, string>,
  details: Record<string, unknown> = {},
): WpError {
  return new WpError('rest_invalid_param', `Invalid parameter(s): ${Object.keys(params).join(', ')}`, 400, {
    params,
    details,
  });
}

export function missingParams(names: string[]): WpError {
  return new WpError('rest_missing_callback_param', `Missing parameter(s): ${names.join(', ')}`, 400, {
    params: names,
  });
}

export const noRoute = () =>
  new WpError('rest_no_route', 'No route was found matching the URL and request method.', 404);
