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

/** A reserved /__drowse/ path asked for with a method it does not answer. */
export class MethodNotAllowedError extends Error {
  override readonly name = 'MethodNotAllowedError';
  readonly allow: string;
  constructor(message: string, allow: string) {
    super(message);
    this.allow = allow;
  }
}

/** The request cannot be routed at all (no Host header). */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
}

/** A path outside the service's start_endpoint asked for a service that sleeps. */
export class NotAStartEndpointError extends Error {
  override readonly name = 'NotAStartEndpointError';
  readonly service: string;
  constructor(service: string, path: string, startEndpoints: readonly string[]) {
    super(`service "${service}" is asleep; ${path} may not wake it (start_endpoint: ${startEndpoints.join(', ')})`);
    this.service = service;
  }
}

/** A client on the wake_filter deny list asked for a service that is not ready. */
export class WakeDeniedError extends Error {
  override readonly name = 'WakeDeniedError';
  readonly service: string;
  constructor(service: string, pattern: string) {
    super(`service "${service}" is not awake, and this client may not wake it (user agent matches wake_filter entry "${pattern}")`);
    this.service = service;
  }
}

/** A request drowse forwarded arrived back at drowse: the service's target points at drowse itself. */
export class LoopDetectedError extends Error {
  override readonly name = 'LoopDetectedError';
  readonly service: string;
  constructor(service: string, target: string) {
    super(`service "${service}": target ${target} leads back to drowse itself (a proxy loop); point it at the app`);
    this.service = service;
  }
}

/** A bound on what clients may hold (connections, held requests, event streams) is reached. */
export class OverLimitError extends Error {
  override readonly name = 'OverLimitError';
}

/** drowse is shutting down and its shutdown_timeout ran out before the service was ready for a held request. */
export class ShuttingDownError extends Error {
  override readonly name = 'ShuttingDownError';
  constructor() {
    super('drowse is shutting down; try again shortly');
  }
}
