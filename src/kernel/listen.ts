import { once } from 'node:events';
import type { Server } from 'node:net';

/** Resolves once `server` listens, rejects with the error that stopped it (a port in use, say). */
export function listening(server: Server): Promise<void> {
  return Promise.race([once(server, 'listening').then(() => undefined), once(server, 'error').then(([err]) => Promise.reject(err as Error))]);
}
