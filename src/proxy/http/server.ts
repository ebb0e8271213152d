/**
 * The HTTP entrypoint: routes by Host, holds requests for services that are not ready (their bodies
 * untouched, so they are forwarded exactly as sent), then forwards them.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HeldTooLongError, type ServiceState } from '../../service/index.ts';
import { formatDuration, LISTEN_BACKLOG, WarnLimiter, type Logger, listening } from '../../kernel/index.ts';
import { isPageNavigation } from '../../loading/index.ts';
import { Router } from './router.ts';
import { Forwarder, type ForwardTarget } from './forward.ts';
import { answerError, answerUpgradeError } from './answer.ts';
import { capConnections, defaultMaxConnections } from './connections.ts';
import { BadRequestError, LoopDetectedError, MethodNotAllowedError, NoRouteError, NotAStartEndpointError, NotFoundError, OverLimitError, ShuttingDownError, UpstreamError, WakeDeniedError } from './errors.ts';
import { deniedBy, pathMayWake, type WakePolicy } from './gate.ts';
import { readTarget, reservedName, type RequestTarget } from './target.ts';
import { ReleaseGate } from './release.ts';

/** Held requests sent at once after a wake unless the route says: a few, as TCP's initial window is. */
const DEFAULT_RELEASE_CONCURRENCY = 8;

/** What the entrypoint needs from a service; the service watcher satisfies it. */
export interface HttpService {
  readonly name: string;
  readonly state: ServiceState;
  wake(): void;
  acquire(): () => void;
  whenReady(signal: AbortSignal): Promise<void>;
  /**
   * Asks the provider whether the workload still runs (its upstream just refused a connection);
   * when it does not, the service learns it and is no longer ready. Resolves with the answer.
   */
  confirmRunning(): Promise<boolean>;
  /** Counts bytes moved for the service (client side: in from clients, out to them), for /status. */
  countBytes?(inBytes: number, outBytes: number): void;
}

/** What drowse serves itself on a service's host: the loading page and the /__drowse/ routes. */
export interface DrowseSite {
  sendLoadingPage(req: IncomingMessage, res: ServerResponse, service: string): void;
  /** Answers /__drowse/<name>, or says why it did not. */
  reserved(req: IncomingMessage, res: ServerResponse, service: string, name: string): 'answered' | 'not_found' | 'method_not_allowed' | 'too_many';
}

/** One HTTP route: the service behind a set of hosts. */
export interface HttpRoute {
  readonly hosts: readonly string[];
  readonly service: HttpService;
  readonly target: URL;
  readonly wakeTimeoutMs: number;
  /** Held requests sent at once when the service becomes ready (slow start from there); 8 unless told. */
  readonly releaseConcurrency?: number;
  /** Browsers opening the service while it is not ready get the loading page. */
  readonly loadingPage: boolean;
  readonly policy: WakePolicy;
}

/** Options for the entrypoint. */
export interface HttpEntrypointOptions {
  readonly host: string;
  readonly port: number;
  readonly routes: readonly HttpRoute[];
  readonly site: DrowseSite;
  readonly log: Logger;
  readonly limits?: Partial<HttpLimits>;
  /** The config key that set the address, named when it cannot be bound; `entrypoints.http` unless told. */
  readonly configKey?: string;
}

/** What one client, or all of them, may hold on the entrypoint. */
export interface HttpLimits {
  /** Open client connections; more are answered 503 and closed. Default: from the open-files limit. */
  readonly maxConnections: number;
  /** A client must finish sending request headers within this long (408 otherwise). */
  readonly headerTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  readonly keepAliveTimeoutMs: number;
  /** Requests held per service while it wakes; more get 503 at once. */
  readonly heldPerService: number;
}

/** Defaults of {@link HttpLimits}, as the config documents them. */
export const DEFAULT_HTTP_LIMITS: Omit<HttpLimits, 'maxConnections'> = { headerTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000, heldPerService: 1_000 };
/** Methods the entrypoint forwards, for Allow on a 405. */
const FORWARDED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

const RESERVED = '/__drowse/';
/** States in which a request would start a wake (in `waking` one is already running). */
const WAKES_ON_REQUEST: ReadonlySet<ServiceState> = new Set<ServiceState>(['asleep', 'error', 'stopping', 'unknown']);
const noop = () => undefined;

/**
 * What a client connection had moved when its last request ended: the next request's bytes start
 * there. Kept on the socket itself rather than in a WeakMap keyed by it: a weak entry per request
 * is extra work for every garbage collection on the warm path.
 */
const COUNTED = Symbol('drowse.counted');
type Counted = { bytesRead: number; bytesWritten: number; [COUNTED]?: { read: number; written: number } };

/**
 * Counts a request's bytes on its client connection when `ender` closes: everything the connection
 * moved since the request before it ended, headers included. A keep-alive connection's requests
 * follow one another, so each byte is counted once, for the service its request went to.
 */
function countTraffic(socket: Counted, event: 'close', ender: { once(event: 'close', fn: () => void): unknown }, service: HttpService): void {
  if (!service.countBytes) return;
  const from = socket[COUNTED] ?? { read: 0, written: 0 };
  ender.once(event, () => {
    const now = { read: socket.bytesRead, written: socket.bytesWritten };
    socket[COUNTED] = now;
    service.countBytes?.(Math.max(0, now.read - from.read), Math.max(0, now.written - from.written));
  });
}

/** The listener for all HTTP routes. */
export class HttpEntrypoint {
  private readonly opts: HttpEntrypointOptions;
  private readonly log: Logger;
  private readonly warnings = new WarnLimiter();
  /** Client sockets handed to an upgrade: the server forgets them, so stop() ends them itself. */
  private readonly upgraded = new Set<Duplex>();
  private router: Router<HttpRoute>;
  private readonly forwarder: Forwarder;
  private server: http.Server | undefined;
  private readonly heldBy = new Map<string, number>();
  /** Per service, the release of requests held through its last wake, while any is still going out. */
  private readonly releases = new Map<string, ReleaseGate>();
  private readonly limits: HttpLimits;
  private openConnections: () => number = () => 0;
  /** Aborted when stop()'s grace period runs out: requests still held are answered 503 then. */
  private readonly shutdown = new AbortController();

  constructor(opts: HttpEntrypointOptions) {
    this.opts = opts;
    this.limits = { ...DEFAULT_HTTP_LIMITS, maxConnections: opts.limits?.maxConnections ?? defaultMaxConnections(), ...stripUndefined(opts.limits) };
    this.log = opts.log.child({ entrypoint: 'http' });
    this.router = new Router(opts.routes.map((r) => ({ hosts: r.hosts, value: r })));
    this.forwarder = new Forwarder(this.log);
  }

  /**
   * Routes from now on (services were added, changed or removed). A request already routed keeps
   * the route it was given, so it finishes with the service it started with.
   */
  setRoutes(routes: readonly HttpRoute[]): void {
    this.router = new Router(routes.map((r) => ({ hosts: r.hosts, value: r })));
  }

  /** The bound address, once listening. */
  address(): { host: string; port: number } {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error('http entrypoint: not listening');
    return { host: a.address, port: a.port };
  }

  /** Requests held right now, waiting for `service` to be ready. */
  held(service: string): number {
    return this.heldBy.get(service) ?? 0;
  }

  /** Client connections open right now. */
  connections(): number {
    return this.openConnections();
  }

  /** Starts listening; rejects when the port cannot be bound. */
  async start(): Promise<void> {
    const { maxConnections, headerTimeoutMs, keepAliveTimeoutMs } = this.limits;
    const server = http.createServer({
      // A held request is not read until its service is ready, which may take wake_timeout; the
      // default 5-minute whole-request limit would cut long wakes. Slow headers are still limited.
      requestTimeout: 0,
      headersTimeout: headerTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      // Node checks the header timeout on this interval (30 s by default), so a slow client would get up to that much more.
      connectionsCheckingInterval: Math.min(1_000, headerTimeoutMs),
      // Clients get the strict parser (request smuggling defences); only upstream answers are parsed leniently.
      insecureHTTPParser: false,
    });
    this.openConnections = capConnections(server, maxConnections, () => {
      // A flood is exactly when a line per refused connection would hurt most.
      const limited = this.warnings.allow('max_connections');
      if (limited) this.log.warn({ max_connections: maxConnections, suppressed: limited.suppressed }, 'connection refused: limits.max_connections reached');
    });
    server.on('request', (req, res) => void this.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => void this.onUpgrade(req, socket, head));
    // CONNECT asks for a tunnel; drowse is a reverse proxy, not a forward one.
    server.on('connect', (_req, socket: Duplex) => {
      socket.on('error', () => socket.destroy());
      answerUpgradeError(socket, new MethodNotAllowedError('http entrypoint: CONNECT is not supported', FORWARDED_METHODS));
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      this.log.debug({ err: err.code ?? err.message }, 'bad client request');
      const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      else socket.destroy();
    });
    this.server = server;
    server.listen({ host: this.opts.host || undefined, port: this.opts.port, backlog: LISTEN_BACKLOG });
    await listening(server, { key: this.opts.configKey ?? 'entrypoints.http', host: this.opts.host, port: this.opts.port });
    this.log.info({ address: this.address() }, 'http entrypoint listening');
  }

  /**
   * Stops accepting; resolves when in-flight and held requests end or `graceMs` passes. Then
   * requests still held are answered 503 (drowse is shutting down) and every other connection is cut.
   */
  async stop(graceMs = 10_000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => {
      this.shutdown.abort(new ShuttingDownError());
      // One turn of the loop lets those 503s reach the sockets before the connections are cut.
      setImmediate(() => {
        server.closeAllConnections();
        // closeAllConnections() knows only HTTP connections: upgraded sockets (WebSockets) are ours to end.
        for (const socket of this.upgraded) socket.destroy();
      });
    }, graceMs).unref();
    await closed;
    clearTimeout(timer);
    this.forwarder.close();
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const { route, target } = this.judge(req);
      if (target.kind === 'asterisk') {
        // "OPTIONS *" asks about the server, which is drowse: answered here, never a wake.
        res.writeHead(200, { allow: FORWARDED_METHODS, 'content-length': '0' });
        res.end();
        return;
      }
      const name = reservedName(target);
      if (name !== undefined) return this.reserved(req, res, route, name);
      const { service } = route;
      // A denied client is served while the service is awake, but never keeps it awake.
      const denied = deniedBy(single(req.headers['user-agent']), route.policy.wakeFilter);
      if (service.state !== 'ready') {
        this.admit(route, target, denied);
        if (route.loadingPage && isPageNavigation(req.method, req.headers)) {
          service.wake();
          this.opts.site.sendLoadingPage(req, res, service.name);
          return;
        }
        this.mayHold(route);
      }
      const release = denied === undefined ? service.acquire() : noop;
      res.once('close', release);
      countTraffic(req.socket, 'close', res, service);
      let answered: ((answered?: boolean) => void) | undefined;
      if (service.state !== 'ready') {
        answered = await this.hold(route, (abort) => res.once('close', abort));
        res.once('close', () => answered?.(false));
        if (res.destroyed) return;
      }
      const to: ForwardTarget = { service: service.name, target: route.target, path: target.forward, onAnswered: answered, onRefused: () => void this.recover(route, req, res, to) };
      this.forwarder.web(req, res, to);
    } catch (err) {
      if (!res.destroyed) answerError(req, res, err);
    }
  }

  /**
   * The upstream refused a request that sent it nothing. A workload killed while ready looks like
   * this until its die event arrives: if it no longer runs, the request is held through a new wake
   * and sent again, rather than answered 502. Once only: a second refusal is the app's own answer.
   */
  private async recover(route: HttpRoute, req: IncomingMessage, res: ServerResponse, to: ForwardTarget): Promise<void> {
    try {
      if (await route.service.confirmRunning()) throw new UpstreamError(route.service.name, { cause: Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }) });
      to.onAnswered?.(false);
      const answered = await this.hold(route, (abort) => res.once('close', abort));
      res.once('close', () => answered(false));
      if (res.destroyed) return;
      // Read again after the new wake: a workload whose address is learned per wake may have another one now.
      // Without onRefused: a second refusal is the app's own answer.
      this.forwarder.resend(req, res, { service: to.service, path: to.path, target: route.target, onAnswered: answered });
    } catch (err) {
      if (!res.destroyed) answerError(req, res, err);
    }
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
    try {
      const { route, target } = this.judge(req);
      // Reserved routes are drowse's own and none of them takes an upgrade; "*" is no resource to upgrade.
      if (target.kind !== 'path' || reservedName(target) !== undefined) throw new BadRequestError('http entrypoint: this request target cannot be upgraded');
      const { service } = route;
      const denied = deniedBy(single(req.headers['user-agent']), route.policy.wakeFilter);
      if (service.state !== 'ready') {
        this.admit(route, target, denied);
        this.mayHold(route);
      }
      const release = denied === undefined ? service.acquire() : noop;
      socket.once('close', release);
      if (req.socket === socket) countTraffic(req.socket, 'close', socket, service);
      let answered: ((answered?: boolean) => void) | undefined;
      if (service.state !== 'ready') {
        answered = await this.hold(route, (abort) => socket.once('close', abort));
        socket.once('close', () => answered?.(false));
        if (socket.destroyed) return;
      }
      this.forwarder.upgrade(req, socket, head, { service: service.name, target: route.target, path: target.forward, onAnswered: answered });
    } catch (err) {
      answerUpgradeError(socket, err);
    }
  }

  /**
   * Throws when this request may not wake the service that is not ready: wake_filter, then
   * start_endpoint, which every reading of the path must pass (target.ts). The target is
   * forwarded as sent either way.
   */
  private admit(route: HttpRoute, target: Extract<RequestTarget, { kind: 'path' }>, deniedPattern: string | undefined): void {
    const { service, policy } = route;
    if (deniedPattern !== undefined) throw new WakeDeniedError(service.name, deniedPattern);
    if (!policy.startEndpoints || !WAKES_ON_REQUEST.has(service.state)) return;
    const refused = target.readings.find((path) => !pathMayWake(path, policy.startEndpoints ?? []));
    if (refused !== undefined) throw new NotAStartEndpointError(service.name, refused, policy.startEndpoints);
  }

  /** Throws when the service already holds as many requests as it may. */
  private mayHold(route: HttpRoute): void {
    if (this.held(route.service.name) >= this.limits.heldPerService) {
      throw new OverLimitError(`service "${route.service.name}" is waking and already holds ${this.limits.heldPerService} requests (limits.held_per_service)`);
    }
  }

  /** The one gate every request kind passes: plain, upgrade, any method. */
  private judge(req: IncomingMessage): { route: HttpRoute; target: RequestTarget } {
    const route = this.route(req);
    return { route, target: readTarget(req.url, req.method, req.headers.host) };
  }

  private route(req: IncomingMessage): HttpRoute {
    if (!req.headers.host) throw new BadRequestError('http entrypoint: request has no Host header');
    // RFC 9112 §3.2: two Host lines are a 400; Node would keep the first and drop the other unseen.
    if (countHeader(req.rawHeaders, 'host') > 1) throw new BadRequestError('http entrypoint: request has more than one Host header');
    const route = this.router.match(req.headers.host);
    if (!route) throw new NoRouteError(req.headers.host);
    if (this.forwarder.cameBack(req)) {
      const err = new LoopDetectedError(route.service.name, route.target.origin);
      const limited = this.warnings.allow(`loop:${route.service.name}`);
      if (limited) this.log.error({ service: route.service.name, target: route.target.origin, suppressed: limited.suppressed }, 'proxy loop: the target leads back to drowse');
      throw err;
    }
    return route;
  }

  /** Waits for the service, bounded by wake_timeout for this request and by the client staying connected. */
  /**
   * Holds a request until its service is ready, then until the service's release lets it go (a few
   * at a time after a wake); returns what to call once the app answered it. Both waits together are
   * bounded by wake_timeout.
   */
  private async hold(route: HttpRoute, onClientGone: (abort: () => void) => void): Promise<(answered?: boolean) => void> {
    const ac = new AbortController();
    const timeout = new HeldTooLongError(route.service.name, formatDuration(route.wakeTimeoutMs));
    const timer = setTimeout(() => ac.abort(timeout), route.wakeTimeoutMs);
    onClientGone(() => ac.abort(new Error('client went away')));
    const onShutdown = () => ac.abort(this.shutdown.signal.reason);
    this.shutdown.signal.addEventListener('abort', onShutdown, { once: true });
    if (this.shutdown.signal.aborted) onShutdown();
    const name = route.service.name;
    this.heldBy.set(name, this.held(name) + 1);
    try {
      await route.service.whenReady(ac.signal);
      return await this.release(route).enter(ac.signal);
    } finally {
      clearTimeout(timer);
      this.shutdown.signal.removeEventListener('abort', onShutdown);
      this.heldBy.set(name, this.held(name) - 1);
    }
  }

  /** The service's current release, or a fresh one: each wake's herd starts from the initial window. */
  private release(route: HttpRoute): ReleaseGate {
    const name = route.service.name;
    let gate = this.releases.get(name);
    if (!gate) {
      const fresh = new ReleaseGate(route.releaseConcurrency ?? DEFAULT_RELEASE_CONCURRENCY, () => {
        if (this.releases.get(name) === fresh) this.releases.delete(name);
      });
      this.releases.set(name, (gate = fresh));
    }
    return gate;
  }

  /** Routes under /__drowse/ belong to drowse: never forwarded, never activity, never a wake. */
  private reserved(req: IncomingMessage, res: ServerResponse, route: HttpRoute, name: string): void {
    const outcome = this.opts.site.reserved(req, res, route.service.name, name);
    if (outcome === 'not_found') throw new NotFoundError(`drowse: no reserved route ${RESERVED}${name}`);
    if (outcome === 'too_many') throw new OverLimitError(`drowse: too many open event streams (limits.sse_per_service, limits.sse_total)`);
    if (outcome === 'method_not_allowed') {
      throw new MethodNotAllowedError(`drowse: ${RESERVED}${name} does not answer ${req.method ?? 'this method'}`, name === 'events' ? 'GET' : 'GET, HEAD');
    }
  }
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function countHeader(rawHeaders: readonly string[], name: string): number {
  let n = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]?.toLowerCase() === name) n++;
  return n;
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
