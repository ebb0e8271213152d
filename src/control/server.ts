/**
 * The control API: JSON over a unix socket (mode 0660, so only root and the socket's group reach it)
 * or over TCP, where every request must carry the bearer token. It never runs open.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { errorMessage, listening, type Logger } from '../kernel/index.ts';
import { ensureSocketFree, socketIdentity, type SocketIdentity } from './socket-path.ts';

/** What the control API needs from the daemon. */
export interface ControlBackend {
  status(): object;
  /** Wakes a service and resolves with its status once ready (or rejects when the wake fails). */
  wake(name: string): Promise<object>;
  sleep(name: string): object;
  hasService(name: string): boolean;
  /** Prometheus exposition text. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Reloads the config and resolves with what changed; rejects when the new config is not applied. Optional: without it POST /reload is 501. */
  readonly reload?: () => Promise<object>;
}

/** Where and how the control API listens. */
export interface ControlServerOptions {
  readonly socket?: string;
  readonly listen?: { host: string; port: number };
  readonly token?: string;
  readonly backend: ControlBackend;
  readonly log: Logger;
  /** Applied to every answer's text: the control API shows detail, but never a secret. */
  readonly redact?: (text: string) => string;
  /** GET /events: the stream of every service's events (records arrive redacted). */
  readonly events?: { attach(req: IncomingMessage, res: ServerResponse): Promise<void> };
}

/** The control API server. */
export class ControlServer {
  private readonly opts: ControlServerOptions;
  private server: http.Server | undefined;
  /** The socket file this server put in place: only that one is removed at stop. */
  private created: SocketIdentity | undefined;

  constructor(opts: ControlServerOptions) {
    if (opts.listen && !opts.token) throw new Error('control API: a TCP listener requires a token');
    this.opts = opts;
  }

  /** Where it listens, for logs and tests. */
  where(): string {
    const a = this.server?.address();
    if (a && typeof a === 'object') return `${a.address}:${a.port}`;
    return this.opts.socket ?? '';
  }

  /**
   * Binds the socket or port. A stale socket file from a crashed run is replaced; a socket a live
   * process answers on is not (ControlSocketTakenError), nor a path that is not a socket.
   */
  async start(): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    if (this.opts.listen) {
      server.listen({ host: this.opts.listen.host, port: this.opts.listen.port });
    } else if (this.opts.socket) {
      try {
        this.created = await listenPrivately(server, this.opts.socket);
      } catch (err) {
        this.server = undefined;
        throw err;
      }
    } else {
      throw new Error('control API: neither socket nor listen is set');
    }
    if (this.opts.listen) await listening(server, { key: 'control.listen', ...this.opts.listen });
    this.opts.log.info({ address: this.where() }, 'control API listening');
  }

  /** Closes the listener and removes the socket file if it is still the one it created. Idempotent. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const created = this.created;
    this.created = undefined;
    if (!this.opts.socket || !created) return;
    // Another drowse may have put its own socket here since (after ours was removed by hand):
    // removing that one would leave it unreachable.
    const now = await socketIdentity(this.opts.socket);
    if (now && now.dev === created.dev && now.ino === created.ino) await fs.rm(this.opts.socket, { force: true }).catch(() => undefined);
    else this.opts.log.debug({ socket: this.opts.socket }, 'control socket is no longer ours; left in place');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (this.opts.token && !authorized(req.headers.authorization, this.opts.token)) {
        return this.send(res, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': 'Bearer' });
      }
      const url = new URL(req.url ?? '/', 'http://control');
      const parts = url.pathname.split('/').filter(Boolean);
      const { backend } = this.opts;
      if (req.method === 'GET' && url.pathname === '/health') return this.send(res, 200, { ok: true });
      if (req.method === 'GET' && url.pathname === '/status') return this.send(res, 200, backend.status());
      if (req.method === 'GET' && url.pathname === '/events') {
        if (!this.opts.events) return this.send(res, 404, { error: 'no event stream in this daemon' });
        return await this.opts.events.attach(req, res);
      }
      if (req.method === 'GET' && url.pathname === '/metrics') {
        const m = await backend.metrics();
        const body = this.redact(m.body);
        res.writeHead(200, { 'content-type': m.contentType, 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      if (url.pathname === '/reload') {
        if (req.method !== 'POST') return this.send(res, 405, { error: 'use POST' }, { allow: 'POST' });
        if (!backend.reload) return this.send(res, 501, { error: 'this drowse cannot reload over the control API' });
        try {
          return this.send(res, 200, await backend.reload());
        } catch (err) {
          // The old config keeps serving; the answer says why the new one was not taken.
          return this.send(res, 422, { ...failureBody(err), ...problemsOf(err) });
        }
      }
      if (parts.length === 3 && parts[0] === 'services' && (parts[2] === 'wake' || parts[2] === 'sleep')) {
        if (req.method !== 'POST') return this.send(res, 405, { error: 'use POST' }, { allow: 'POST' });
        const name = decodeURIComponent(parts[1] ?? '');
        if (!backend.hasService(name)) return this.send(res, 404, { error: `no service "${name}"` });
        if (parts[2] === 'sleep') return this.send(res, 202, backend.sleep(name));
        try {
          return this.send(res, 200, await backend.wake(name));
        } catch (err) {
          return this.send(res, 503, failureBody(err));
        }
      }
      return this.send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
    } catch (err) {
      this.opts.log.error({ err }, 'control request failed');
      if (!res.headersSent) this.send(res, 500, { error: 'internal error' });
    }
  }

  private redact(text: string): string {
    return this.opts.redact ? this.opts.redact(text) : text;
  }

  private send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
    const text = this.redact(JSON.stringify(body, null, 2) + '\n');
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }
}


/** RFC 9110 §11.1: the auth scheme is case-insensitive; the token is compared in constant time. */
/**
 * A failed wake as the operator sees it: the message, the kind of failure, and the chain of
 * causes down to the backend's own words (secrets are redacted on the way out, like every answer).
 */
export function failureBody(err: unknown): { error: string; code?: string; causes?: string[] } {
  const causes: string[] = [];
  for (let c = err instanceof Error ? err.cause : undefined; c !== undefined && causes.length < 8; c = c instanceof Error ? c.cause : undefined) {
    causes.push(c instanceof Error ? c.message : String(c));
  }
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
  return { error: errorMessage(err), ...(code ? { code } : {}), ...(causes.length ? { causes } : {}) };
}

/** The problems of a config that did not load, when the error carries them (each with its position). */
function problemsOf(err: unknown): { problems?: unknown[] } {
  const problems = (err as { problems?: unknown } | null)?.problems;
  return Array.isArray(problems) ? { problems } : {};
}

function authorized(header: string | undefined, token: string): boolean {
  const match = header === undefined ? null : /^bearer +(\S+) *$/i.exec(header);
  const given = Buffer.from(match?.[1] ?? '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * Binds the unix socket where no one else can reach it yet — a fresh 0700 directory beside the
 * final path — gives it mode 0660, then renames it into place. A bind creates the socket with
 * 0777 less the umask, so binding at the final path would leave a window (under umask 000,
 * world-writable) before chmod; process.umask would change it for every thread of the process.
 */
async function listenPrivately(server: http.Server, socket: string): Promise<SocketIdentity | undefined> {
  const dir = path.dirname(socket);
  await fs.mkdir(dir, { recursive: true, mode: 0o750 });
  const staging = await fs.mkdtemp(path.join(dir, '.control-'));
  try {
    const temp = path.join(staging, 'control.sock');
    server.listen(temp);
    await listening(server);
    await fs.chmod(temp, 0o660);
    // Asked right before the rename, so the window in which another drowse could bind it stays small.
    await ensureSocketFree(socket);
    // rename(2) replaces a stale socket from a crashed run atomically.
    await fs.rename(temp, socket);
    return await socketIdentity(socket);
  } catch (err) {
    server.close();
    throw err;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}
