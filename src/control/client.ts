/** The CLI's side of the control API. */
import http from 'node:http';

/** Where the daemon's control API is. */
export interface ControlTarget {
  readonly socket?: string;
  readonly listen?: { host: string; port: number };
  readonly token?: string;
}

/** The control API could not be reached or answered with an error. */
export class ControlClientError extends Error {
  override readonly name = 'ControlClientError';
  readonly status?: number;
  /** The daemon's answer, when it answered with an error (a refused reload carries its problems). */
  readonly body?: unknown;
  constructor(message: string, options?: { cause?: unknown; status?: number; body?: unknown }) {
    super(message, options);
    if (options?.status !== undefined) this.status = options.status;
    if (options?.body !== undefined) this.body = options.body;
  }
}

/** Sends one request and parses the JSON answer; non-2xx answers reject with the daemon's message. */
export function controlRequest(target: ControlTarget, method: 'GET' | 'POST', path: string, timeoutMs = 150_000): Promise<unknown> {
  const where = target.listen ? `${target.listen.host}:${target.listen.port}` : target.socket ?? '';
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        method,
        path,
        ...(target.listen ? { host: target.listen.host, port: target.listen.port } : { socketPath: target.socket }),
        headers: target.token ? { authorization: `Bearer ${target.token}` } : {},
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch (err) {
            return reject(new ControlClientError(`control API at ${where}: answer is not JSON`, { cause: err }));
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(body);
          const msg = (body as { error?: string }).error ?? `status ${status}`;
          reject(new ControlClientError(`control API at ${where}: ${msg}`, { status, body }));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(new ControlClientError(`control API at ${where}: ${(err as NodeJS.ErrnoException).code ?? err.message} (is drowse running?)`, { cause: err })));
    req.end();
  });
}
