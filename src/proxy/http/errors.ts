/** Errors born in the HTTP entrypoint itself. */

/** No service claims the request's Host. */
export class NoRouteError extends Error {
  override readonly name = 'NoRouteError';
  readonly host: string;
  constructor(host: string) {
    super(`http entrypoint: no service for host "${host}"`);
    this.host = host;
  }
}

/** The upstream refused or broke the connection before answering. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly service: string;
  constructor(service: string, options: { cause: unknown }) {
    super(`service "${service}": upstream failed: ${options.cause instanceof Error ? ((options.cause as NodeJS.ErrnoException).code ?? options.cause.message) : String(options.cause)}`, options);
    this.service = service;
  }
}

/** A reserved /__drowse/ path that does not exist. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** The request cannot be routed at all (no Host header). */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
}
