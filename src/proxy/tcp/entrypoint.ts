/**
 * A TCP entrypoint: one listener per service. A connection to a service that is not ready is
 * accepted and held — paused, so the bytes a client sends early wait in its buffer — while the
 * service wakes; then it is piped both ways (pipe() gives backpressure) to the target. Past
 * wake_timeout, or when the wake fails, the connection is closed.
 */
import net from 'node:net';
import { formatDuration, LISTEN_BACKLOG, listening, WarnLimiter, type Logger } from '../../kernel/index.ts';
import { HeldTooLongError, type ServiceState } from '../../service/index.ts';
import { ClientGoneError, TargetRefusedError } from './errors.ts';
import { defaultMaxConnections } from '../http/index.ts';

/** What the entrypoint needs from a service; the service watcher satisfies it. */
export interface TcpService {
  readonly name: string;
  readonly state: ServiceState;
  acquire(): () => void;
  touch(): void;
  whenReady(signal: AbortSignal): Promise<void>;
  /** Asks whether the workload still runs (its target refused); when not, the service is no longer ready. */
  confirmRunning(): Promise<boolean>;
  /** Counts bytes moved for the service (in from clients, out to them), for /status. */
  countBytes?(inBytes: number, outBytes: number): void;
}

/** A TCP target. */
export interface TcpTarget {
  readonly host: string;
  readonly port: number;
}

/** Options for one TCP entrypoint. */
export interface TcpEntrypointOptions {
  readonly listen: { readonly host: string; readonly port: number };
  /** Where connections go: fixed, or read at each connection (an address learned per wake; undefined until then). */
  readonly target: TcpTarget | (() => TcpTarget | undefined);
  readonly service: TcpService;
  readonly wakeTimeoutMs: number;
  /** Connections held while waking; more are closed at once. */
  readonly maxHeld: number;
  /** An open connection keeps the service awake even when silent. */
  readonly openKeepsAwake: boolean;
  /** Client connections open at once (held or piped); more are closed at once. Default: from the open-files limit, as on HTTP. */
  readonly maxConnections?: number;
  readonly log: Logger;
}

/** Bytes refresh the idle timer at most this often per connection: a busy stream must not reset a timer per chunk. */
const TOUCH_EVERY_MS = 500;

/** One TCP listener for one service. */
export class TcpEntrypoint {
  private readonly opts: TcpEntrypointOptions;
  private readonly log: Logger;
  private readonly warnings = new WarnLimiter();
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly waiting = new Set<net.Socket>();
  private clients = 0;
  private readonly maxConnections: number;

  constructor(opts: TcpEntrypointOptions) {
    this.opts = opts;
    this.log = opts.log.child({ entrypoint: 'tcp', service: opts.service.name });
    this.maxConnections = opts.maxConnections ?? defaultMaxConnections();
  }

  /** The bound address, once listening. */
  address(): { host: string; port: number } {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error(`tcp entrypoint of "${this.opts.service.name}": not listening`);
    return { host: a.address, port: a.port };
  }

  /** Connections waiting for the service right now. */
  get heldCount(): number {
    return this.waiting.size;
  }

  /** Starts listening; rejects when the address cannot be bound. */
  async start(): Promise<void> {
    // pauseOnConnect: nothing is read until the connection is piped, so early bytes are kept in
    // order and a slow wake pushes back on the client through TCP itself.
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
    server.on('connection', (socket) => void this.onConnection(socket));
    this.server = server;
    server.listen({ host: this.opts.listen.host || undefined, port: this.opts.listen.port, backlog: LISTEN_BACKLOG });
    await listening(server, { key: `services.${this.opts.service.name}.tcp.listen`, ...this.opts.listen });
    // Only once bound: a bind failure is the start's error to report, not a second log line.
    server.on('error', (err) => this.log.error({ err }, 'tcp entrypoint error'));
    this.log.info({ address: this.address(), ...(typeof this.opts.target === 'function' ? {} : { target: this.opts.target }) }, 'tcp entrypoint listening');
  }

  /** Stops accepting and closes open connections after `graceMs`. Idempotent. */
  async stop(graceMs = 10_000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const timer = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, graceMs).unref();
    // Held connections have nothing to finish: they end now; piped ones get the grace period.
    for (const s of this.waiting) s.destroy();
    await closed;
    clearTimeout(timer);
  }

  private async onConnection(client: net.Socket): Promise<void> {
    const { service } = this.opts;
    const { maxConnections } = this;
    // TCP has no way to say "busy"; closing at once is the quick answer, and no upstream socket is spent.
    if (this.clients >= maxConnections) {
      const limited = this.warnings.allow('max_connections');
      if (limited) this.log.warn({ max_connections: maxConnections, suppressed: limited.suppressed }, 'tcp connection closed: limits.max_connections reached');
      client.on('error', () => undefined);
      client.destroy();
      return;
    }
    this.clients++;
    client.once('close', () => this.clients--);
    this.sockets.add(client);
    client.once('close', () => this.sockets.delete(client));
    client.on('error', (err) => this.log.debug({ err: (err as NodeJS.ErrnoException).code ?? err.message }, 'tcp client error'));
    let release = service.acquire();
    client.once('close', () => release());
    client.once('close', () => service.countBytes?.(client.bytesRead, client.bytesWritten));
    if (service.state !== 'ready') {
      if (this.waiting.size >= this.opts.maxHeld) {
        const limited = this.warnings.allow('max_held');
        if (limited) this.log.warn({ held: this.waiting.size, max_held: this.opts.maxHeld, suppressed: limited.suppressed }, 'tcp connection closed: too many held connections');
        client.destroy();
        return;
      }
      this.waiting.add(client);
      try {
        await this.hold(client);
      } catch (err) {
        this.log.info({ err }, 'tcp connection closed: service not ready');
        client.destroy();
        return;
      } finally {
        this.waiting.delete(client);
      }
      if (client.destroyed) return;
    }
    if (!this.opts.openKeepsAwake) {
      // From here on bytes are the activity: the connection is no longer "in flight".
      release();
      release = () => undefined;
    }
    this.pipe(client);
  }

  /** After a refused connect: if the workload no longer runs, hold the client through a new wake and connect again, once. */
  private async recover(client: net.Socket): Promise<void> {
    try {
      if (await this.opts.service.confirmRunning()) throw new TargetRefusedError(this.opts.service.name);
      // Held like any connection waiting for a wake: counted in heldCount, ended at once by stop().
      this.waiting.add(client);
      try {
        await this.hold(client);
      } finally {
        this.waiting.delete(client);
      }
    } catch (err) {
      this.log.info({ err }, 'tcp connection closed: target refused');
      client.destroy();
      return;
    }
    if (!client.destroyed) this.pipe(client, true);
  }

  private async hold(client: net.Socket): Promise<void> {
    const ac = new AbortController();
    const { name } = this.opts.service;
    const timer = setTimeout(() => ac.abort(new HeldTooLongError(name, formatDuration(this.opts.wakeTimeoutMs))), this.opts.wakeTimeoutMs);
    const onClose = () => ac.abort(new ClientGoneError(name));
    client.once('close', onClose);
    try {
      await this.opts.service.whenReady(ac.signal);
    } finally {
      clearTimeout(timer);
      client.off('close', onClose);
    }
  }

  private pipe(client: net.Socket, retried = false): void {
    const { service } = this.opts;
    const target = typeof this.opts.target === 'function' ? this.opts.target() : this.opts.target;
    if (!target) {
      const limited = this.warnings.allow('address');
      if (limited) this.log.warn({ service: service.name, suppressed: limited.suppressed }, 'tcp connection closed: the workload address is not known');
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    this.sockets.add(upstream);
    upstream.once('close', () => this.sockets.delete(upstream));
    let connected = false;
    let recovering = false;
    const fail = (err: Error) => {
      const code = (err as NodeJS.ErrnoException).code;
      this.log.debug({ err: code ?? err.message }, 'tcp upstream error');
      // Refused before anything was piped: the client's bytes still wait unread, so a workload that
      // died under a ready service (its die event not yet seen) can be woken and the connect retried.
      if (!connected && !retried && code === 'ECONNREFUSED') {
        recovering = true;
        upstream.destroy();
        void this.recover(client);
        return;
      }
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', fail);
    client.on('error', () => upstream.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => {
      if (!recovering) client.destroy();
    });
    let touchedAt = 0;
    const touch = () => {
      const now = Date.now();
      if (now - touchedAt < TOUCH_EVERY_MS) return;
      touchedAt = now;
      service.touch();
    };
    upstream.once('connect', () => {
      connected = true;
      client.on('data', touch);
      upstream.on('data', touch);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }
}
