/** Errors born in a TCP entrypoint. */

/** The target refused the connection while the workload still runs: the app's own answer. */
export class TargetRefusedError extends Error {
  override readonly name = 'TargetRefusedError';
  readonly service: string;
  constructor(service: string) {
    super(`service "${service}": the target refused the connection`);
    this.service = service;
  }
}

/** The client closed its connection while it was held. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
  constructor(service: string) {
    super(`service "${service}": the client went away while held`);
  }
}
