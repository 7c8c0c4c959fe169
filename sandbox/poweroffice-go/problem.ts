/**
 * Errors as PowerOffice Go renders them: RFC 7807 ProblemDetails (`type`, `title`,
 * `status`, `detail`, `instance`), lower-case like ASP.NET Core serialises them unless the
 * sandbox is told to use PascalCase (to exercise clients that must read either).
 */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    /** ASP.NET validation errors (`{"$.Quantity": ["…"]}`), when the framework rejected the body. */
    readonly errors?: Record<string, string[]>,
  ) {
    super(detail ?? title);
  }
}

export type ProblemCase = 'lower' | 'pascal';

const TYPES: Record<number, string> = {
  400: 'https://tools.ietf.org/html/rfc7231#section-6.5.1',
  404: 'https://tools.ietf.org/html/rfc7231#section-6.5.4',
  409: 'https://tools.ietf.org/html/rfc7231#section-6.5.8',
  500: 'https://tools.ietf.org/html/rfc7231#section-6.6.1',
};

export function problemBody(
  problem: Problem,
  instance: string,
  casing: ProblemCase,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: TYPES[problem.status] ?? 'about:blank',
    title: problem.title,
    status: problem.status,
    ...(problem.detail !== undefined ? { detail: problem.detail } : {}),
    instance,
    ...(problem.errors ? { errors: problem.errors } : {}),
  };
  if (casing === 'lower') return body;
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k[0]!.toUpperCase() + k.slice(1), v]));
}

export const notFound = (what: string, key: string, value: string | number): Problem =>
  new Problem(
    404,
    'Object(s) not found',
    `${what} with ${key} = ${typeof value === 'number' ? value : `'${value}'`} not found.`,
  );

export const notFoundById = (what: string, id: string | number): Problem =>
  new Problem(404, 'Object(s) not found', `${what} with id = ${id} not found.`);

export const castError = (detail: string): Problem => new Problem(400, 'Unable to cast object(s)', detail);
