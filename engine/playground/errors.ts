/** A request the playground refuses, with the HTTP status that says why. */
export class PlaygroundError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 413 | 415 | 422 | 502,
    message: string,
  ) {
    super(message);
    this.name = 'PlaygroundError';
  }
}
