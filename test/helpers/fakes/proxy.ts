/**
 * Stand-ins for the proxy's unit tests: a service whose readiness the test drives by hand, a site
 * that records what drowse served itself, loopback upstreams, and clients that send exactly the
 * bytes a test names. Everything listens on and talks to 127.0.0.1 only.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import net from 'node:net';
import { createLogger } from '../../../src/kernel/index.ts';
import type { ServiceState } from '../../../src/service/index.ts';

interface After { after(fn: () => unknown): void }

/** A service (HTTP or TCP) whose readiness, and whose answer to confirmRunning, the test controls. */
export class FakeProxyService {
  readonly name: string;
  state: ServiceState = 'ready';
  wakes = 0;
  readies = 0;
  acquired = 0;
  released = 0;
  confirms = 0;
  touches = 0;
  /** What confirmRunning answers; `onConfirm` runs first (a test makes the service asleep there). */
  running = true;
  onConfirm: () => void = () => undefined;
  private waiters: Array<{ resolve(): void; reject(e: unknown): void }> = [];

  constructor(name = 'web') {
    this.name = name;
  }
  wake(): void {
    this.wakes++;
  }
  acquire(): () => void {
    this.acquired++;
    return () => void this.released++;
  }
  touch(): void {
    this.touches++;
  }
  async confirmRunning(): Promise<boolean> {
    this.confirms++;
    this.onConfirm();
    return this.running;
  }
  whenReady(signal: AbortSignal): Promise<void> {
    this.readies++;
    if (this.state === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }
  get waiting(): number {
    return this.waiters.length;
  }
  becomeReady(): void {
    this.state = 'ready';
    for (const w of this.waiters.splice(0)) w.resolve();
  }
  fail(err: unknown): void {
    this.state = 'error';
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

/** drowse's own pages, recorded; `reservedOutcome` decides what /__drowse/<name> does. */
export class FakeSite {
  pages: string[] = [];
  reservedCalls: Array<{ method: string; name: string }> = [];
  reservedOutcome: 'answered' | 'not_found' | 'method_not_allowed' | 'too_many' | undefined;
  sendLoadingPage(_req: IncomingMessage, res: ServerResponse, service: string): void {
    this.pages.push(service);
    res.writeHead(200, { 'content-type': 'text/html' }).end(`loading ${service}`);
  }
  reserved(req: IncomingMessage, res: ServerResponse, service: string, name: string): 'answered' | 'not_found' | 'method_not_allowed' | 'too_many' {
    this.reservedCalls.push({ method: req.method ?? '', name });
    const outcome = this.reservedOutcome ?? 'answered';
    if (outcome === 'answered') res.writeHead(200).end(`${name} of ${service}`);
    return outcome;
  }
}

/** What an upstream received. */
export interface Seen { readonly method: string; readonly url: string; readonly headers: IncomingHttpHeaders; readonly body: string }

/** An upstream on 127.0.0.1 that answers "upstream <method> <url>" and records what it got. */
export async function echoUpstream(t: After, port = 0): Promise<{ port: number; seen: Seen[]; server: http.Server }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`upstream ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, seen, server };
}

/** A raw TCP upstream: `answer` gets each connection and the bytes of its first request head. */
export async function rawUpstream(t: After, answer: (socket: net.Socket, head: string) => void): Promise<{ port: number; heads: string[] }> {
  const heads: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    let got = '';
    let answered = false;
    s.on('data', (c) => {
      got += c.toString('latin1');
      if (!answered && got.includes('\r\n\r\n')) {
        answered = true;
        const head = got.slice(0, got.indexOf('\r\n\r\n') + 4);
        heads.push(head);
        answer(s, head);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, heads };
}

/** A port on 127.0.0.1 nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An answer as a client saw it. */
export interface HttpAnswer { readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: string }

/** One request over a fresh connection; bounded by a 10 s timeout unless a signal is given. */
export function sendHttp(port: number, opts: { host?: string; path?: string; method?: string; headers?: OutgoingHttpHeaders; body?: string; signal?: AbortSignal } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: opts.path ?? '/', method: opts.method ?? 'GET', agent: false,
      headers: { ...(opts.host === undefined ? {} : { host: opts.host }), ...opts.headers },
      signal: opts.signal ?? AbortSignal.timeout(10_000),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Sends `text` as is, half-closes, and collects everything until the server closes (5 s at most). */
export function sendRaw(port: number, text: string, opts: { end?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => (opts.end === false ? s.write(text) : s.end(text)));
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no end of answer: ${JSON.stringify(got)}`));
    }, 5_000);
    s.on('data', (c) => (got += c.toString()));
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    s.on('error', () => undefined);
  });
}

/** A client connection that collects what it receives, and whether it was closed. */
export async function connectClient(port: number): Promise<{ socket: net.Socket; received(): string; closed(): boolean }> {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let closed = false;
  socket.on('data', (d) => (received += d.toString()));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received: () => received, closed: () => closed };
}

/** A logger whose JSON lines the test reads. */
export function capturingLogger(): { log: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', format: 'json' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } as unknown as NodeJS.WritableStream);
  return { log, lines };
}
