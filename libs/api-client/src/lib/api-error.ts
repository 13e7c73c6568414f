/** A failed call to a service API, naming the URL and what went wrong. */
export class ApiError extends Error {
  constructor(
    readonly url: string,
    readonly reason: 'unreachable' | 'status' | 'invalid-body',
    detail: string,
    readonly status?: number,
  ) {
    super(`${url}: ${detail}`);
    this.name = 'ApiError';
  }
}
