/**
 * The HTTP entrypoint: routes by Host, holds requests for services that are not ready (their bodies
 * untouched, so they are forwarded exactly as sent), then forwards them.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { once } from 'node:events';
import { HeldTooLongError } from '../../service/index.ts';
import { formatDuration, type Logger } from '../../kernel/index.ts';
import { Router } from './router.ts';
import { Forwarder } from './forward.ts';
import { answerError } from './answer.ts';
import { BadRequestError, NoRouteError, NotFoundError } from './errors.ts';

/** What the entrypoint needs from a service; the service watcher satisfies it. */
export interface HttpService {
  readonly name: string;
  readonly state: string;
  acquire(): () => void;
  whenReady(signal: AbortSignal): Promise<void>;
  status(): object;
}

/** One HTTP route: the service behind a set of hosts. */
export interface HttpRoute {
  readonly hosts: readonly string[];
  readonly service: HttpService;
  readonly target: URL;
  readonly wakeTimeoutMs: number;
}

/** Options for the entrypoint. */
export interface HttpEntrypointOptions {
  readonly host: string;
  readonly port: number;
  readonly routes: readonly HttpRoute[];
  readonly log: Logger;
}

const RESERVED = '/__drowse/';

/** The listener for all HTTP routes. */
export class HttpEntrypoint {
  private readonly opts: HttpEntrypointOptions;
  private readonly log: Logger;
  private readonly router: Router<HttpRoute>;
  private readonly forwarder: Forwarder;
  private server: http.Server | undefined;

  constructor(opts: HttpEntrypointOptions) {
    this.opts = opts;
    this.log = opts.log.child({ entrypoint: 'http' });
    this.router = new Router(opts.routes.map((r) => ({ hosts: r.hosts, value: r })));
    this.forwarder = new Forwarder(this.log);
  }

  /** The bound address, once listening. */
  address(): { host: string; port: number } {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error('http entrypoint: not listening');
    return { host: a.address, port: a.port };
  }

  /** Starts listening; rejects when the port cannot be bound. */
  async start(): Promise<void> {
    const server = http.createServer({
      // A held request is not read until its service is ready, which may take wake_timeout; the
      // default 5-minute whole-request limit would cut long wakes. Slow headers are still limited.
      requestTimeout: 0,
      headersTimeout: 30_000,
    });
    server.on('request', (req, res) => void this.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => void this.onUpgrade(req, socket, head));
    server.on('clientError', (err, socket) => {
      this.log.debug({ err: (err as NodeJS.ErrnoException).code ?? err.message }, 'bad client request');
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    this.server = server;
    server.listen({ host: this.opts.host || undefined, port: this.opts.port });
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err))]);
    this.log.info({ address: this.address() }, 'http entrypoint listening');
  }

  /** Stops accepting; resolves when in-flight requests end or `graceMs` passes (then they are cut). */
  async stop(graceMs = 10_000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs).unref();
    await closed;
    clearTimeout(timer);
    this.forwarder.close();
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const route = this.route(req);
      if (req.url?.startsWith(RESERVED)) return this.reserved(req, res, route);
      const release = route.service.acquire();
      res.once('close', release);
      if (route.service.state !== 'ready') {
        await this.hold(route, (abort) => res.once('close', abort));
        if (res.destroyed) return;
      }
      this.forwarder.web(req, res, { service: route.service.name, target: route.target });
    } catch (err) {
      if (!res.destroyed) answerError(req, res, err);
    }
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    try {
      const route = this.route(req);
      const release = route.service.acquire();
      socket.once('close', release);
      if (route.service.state !== 'ready') {
        await this.hold(route, (abort) => socket.once('close', abort));
        if (socket.destroyed) return;
      }
      this.forwarder.upgrade(req, socket, head, { service: route.service.name, target: route.target });
    } catch (err) {
      if (socket.destroyed) return;
      const status = err instanceof NoRouteError ? '404 Not Found' : err instanceof BadRequestError ? '400 Bad Request' : '503 Service Unavailable';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
  }

  private route(req: IncomingMessage): HttpRoute {
    if (!req.headers.host) throw new BadRequestError('http entrypoint: request has no Host header');
    const route = this.router.match(req.headers.host);
    if (!route) throw new NoRouteError(req.headers.host);
    return route;
  }

  /** Waits for the service, bounded by wake_timeout for this request and by the client staying connected. */
  private async hold(route: HttpRoute, onClientGone: (abort: () => void) => void): Promise<void> {
    const ac = new AbortController();
    const timeout = new HeldTooLongError(route.service.name, formatDuration(route.wakeTimeoutMs));
    const timer = setTimeout(() => ac.abort(timeout), route.wakeTimeoutMs);
    onClientGone(() => ac.abort(new Error('client went away')));
    try {
      await route.service.whenReady(ac.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Routes under /__drowse/ belong to drowse and are never forwarded. */
  private reserved(req: IncomingMessage, res: ServerResponse, route: HttpRoute): void {
    const path = (req.url ?? '').split('?')[0];
    if (path === `${RESERVED}status` && (req.method === 'GET' || req.method === 'HEAD')) {
      const body = JSON.stringify(route.service.status());
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    answerError(req, res, new NotFoundError(`drowse: no reserved route ${path}`));
  }
}
