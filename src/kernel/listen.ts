import { once } from 'node:events';
import type { Server } from 'node:net';

/** What a listener is, for the error a user reads: the config key that set it and the address. */
export interface ListenSite {
  /** The config key to change, e.g. `entrypoints.http` or `services.db.tcp.listen`. */
  readonly key: string;
  readonly host: string;
  readonly port: number;
}

/**
 * An address could not be bound, said in terms of the config: which key and which address, and
 * what to do about it. The system error is the cause; a stack trace would tell the user nothing.
 */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly key: string;
  readonly address: string;
  readonly code: string | undefined;

  constructor(site: ListenSite, cause: NodeJS.ErrnoException) {
    const address = `${site.host.includes(':') ? `[${site.host}]` : site.host}:${site.port}`;
    super(`${site.key} ${address} ${problem(cause)}: ${remedy(cause, site.key)}`, { cause });
    this.key = site.key;
    this.address = address;
    this.code = cause.code;
  }
}

function problem(err: NodeJS.ErrnoException): string {
  if (err.code === 'EADDRINUSE') return 'is already in use';
  if (err.code === 'EACCES') return 'may not be bound by this user';
  if (err.code === 'EADDRNOTAVAIL') return 'is not an address of this machine';
  return `cannot be bound (${err.code ?? err.message})`;
}

function remedy(err: NodeJS.ErrnoException, key: string): string {
  if (err.code === 'EADDRINUSE') return `stop what listens there or set ${key} to a free address`;
  if (err.code === 'EACCES') return `ports below 1024 need root or CAP_NET_BIND_SERVICE; or set ${key} to a port above 1023`;
  return `set ${key} to an address this machine has`;
}

/**
 * Resolves once `server` listens, rejects with the error that stopped it (a port in use, say).
 * Given the site, a bind failure becomes a ListenError naming the config key and the address.
 */
export async function listening(server: Server, site?: ListenSite): Promise<void> {
  try {
    // events.once rejects with the 'error' event itself, so this one wait covers both outcomes.
    await once(server, 'listening');
  } catch (err) {
    throw site && isBindError(err) ? new ListenError(site, err) : err;
  }
}

function isBindError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && (err as NodeJS.ErrnoException).syscall === 'listen';
}

/**
 * The accept queue drowse asks of the kernel for its listeners (it is capped at net.core.somaxconn,
 * 4096 on current kernels). Node's default of 511 overflows when a herd of a thousand clients
 * connects at once: the dropped SYNs are retried by the clients after 1, 3, 7, 15 s, which is where
 * a herd's p99 went.
 */
export const LISTEN_BACKLOG = 4096;
