import { get as httpGet, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

/** Options of {@link request}. */
export interface RequestOptions {
  /** Port on 127.0.0.1 (tests never reach another address). */
  readonly port: number;
  /** The Host header; routes match on it. */
  readonly host?: string;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string | Buffer;
  /** Give up after this long; 30 s unless told. */
  readonly timeoutMs?: number;
}

/** A whole response, body read. */
export interface TestResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
}

/** One HTTP/1.1 request to 127.0.0.1 on a fresh connection, read to the end. */
export function request(opts: RequestOptions): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port: opts.port,
      path: opts.path ?? '/',
      method: opts.method ?? 'GET',
      headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers },
      agent: false,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body) as T });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The text of a GET on drowse's control socket (`/metrics` is text, not JSON). */
export function controlText(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    httpGet({ socketPath, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body));
    }).on('error', reject);
  });
}
