import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { findRoute, runRoute, type ApiEnv, type Caller, type NodeState, type Reply } from './api.ts';
import { pveCerts, type PveCerts } from './certs.ts';
import { PveApiError } from './errors.ts';
import { PveGuest, type AddGuestOptions } from './guest.ts';
import type { WrongStateIn } from './power.ts';
import { TaskRegistry, type Task } from './tasks.ts';
import { Timers } from './timers.ts';

/** The privileges drowse's least-privilege role has; a token has all of them unless told. */
export const ALL_PRIVILEGES: readonly string[] = ['VM.PowerMgmt', 'VM.Audit', 'Sys.Audit'];

/** An API token the double accepts. */
export interface PveTokenOptions {
  /** USER@REALM!TOKENID, e.g. drowse@pve!proxy. */
  readonly id: string;
  readonly secret: string;
  /** Default {@link ALL_PRIVILEGES}, granted on `/`. */
  readonly privileges?: readonly string[];
  /** When set, the VM.* privileges hold only on these guests' /vms/{vmid} (like an ACL on a pool). */
  readonly vmids?: readonly number[];
}

export interface PveDoubleOptions {
  /** Cluster node names; default ['pve1']. */
  readonly nodes?: readonly string[];
  /** Default: one token, drowse@pve!proxy with a random secret (see {@link PveDouble.tokens}). */
  readonly tokens?: readonly PveTokenOptions[];
  /** The POST on a locked CT fails `500 CT 101 is locked (backup)` instead of the task (some PVE versions). */
  readonly lockedPostFails?: boolean;
  /** Where "CT 101 already running"/"not running" surface: 'post' (PVE's handlers, default) or 'task'. */
  readonly wrongStateIn?: WrongStateIn;
  /** How long an action waits for the CT's config flock held by another task; PVE: 10 s. */
  readonly configLockTimeoutMs?: number;
  /** Play a PVE older than 8.1: status/stop refuses `overrule-shutdown` as an unknown parameter (400). Default false. */
  readonly beforeOverruleShutdown?: boolean;
}

/** One request the double received (a test-only record: it holds the Authorization header as sent). */
export interface PveRequestRecord {
  readonly method: string;
  /** The path as sent, still URL-encoded, e.g. /api2/json/nodes/pve1/lxc/101/status/start. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
  /** The raw request body. */
  readonly body: string;
  /** The body's parameters (form-encoded, or JSON). */
  readonly form: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
  /** Date.now() when it arrived. */
  readonly at: number;
}

/** Options of the fault injectors: only requests whose path (as sent) matches. */
export interface FaultOptions {
  readonly path?: RegExp;
}

interface FailRule { remaining: number; readonly status: number; readonly reason: string; readonly path?: RegExp; readonly drop: boolean }
interface DelayRule { readonly ms: number; readonly path?: RegExp }

const PREFIX = '/api2/json';

/**
 * An in-test Proxmox VE API server: HTTPS on 127.0.0.1 with a throwaway CA, API-token auth and
 * privileges, LXC guests whose power actions run as timed worker tasks, and fault injection.
 * It answers as PVE does (see /work/wt/PVE-SPEC.md and pve-container/pve-manager's handlers):
 * errors as status + reason phrase with body {data:null}.
 */
export class PveDouble {
  /** Every request so far, oldest first. */
  readonly requests: PveRequestRecord[] = [];
  /** The accepted tokens (a generated one unless the options named some). */
  readonly tokens: readonly PveTokenOptions[];
  private readonly timers = new Timers();
  private readonly tasks = new TaskRegistry();
  private readonly nodes = new Map<string, NodeState>();
  private readonly guests = new Map<number, PveGuest>();
  private readonly env: ApiEnv;
  private readonly sockets = new Set<Socket>();
  private readonly failRules: FailRule[] = [];
  private delayRules: DelayRule[] = [];
  private server: Server | undefined;
  private loadedCerts: PveCerts | undefined;
  private stopped: Promise<void> | undefined;

  constructor(opts: PveDoubleOptions = {}) {
    for (const n of opts.nodes ?? ['pve1']) this.nodes.set(n, { online: true });
    if (this.nodes.size === 0) throw new Error('a PVE cluster has at least one node');
    this.tokens = opts.tokens ?? [{ id: 'drowse@pve!proxy', secret: randomUUID() }];
    this.env = {
      timers: this.timers, tasks: this.tasks, nodes: this.nodes, guests: this.guests,
      version: { version: '8.2.4', release: '8.2', repoid: 'faa83925' },
      settings: {
        wrongStateIn: opts.wrongStateIn ?? 'post',
        lockedPostFails: opts.lockedPostFails ?? false,
        configLockTimeoutMs: opts.configLockTimeoutMs ?? 10_000,
        overruleShutdown: !(opts.beforeOverruleShutdown ?? false),
      },
    };
  }

  /** https://127.0.0.1:PORT (append /api2/json for the API base). */
  get url(): string {
    if (!this.server) throw new Error('PveDouble not started');
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  get certs(): PveCerts {
    if (!this.loadedCerts) throw new Error('PveDouble not started');
    return this.loadedCerts;
  }

  /** The Authorization header value for a token (default: the first). */
  authorization(tokenId?: string): string {
    const t = tokenId === undefined ? this.tokens[0] : this.tokens.find((x) => x.id === tokenId);
    if (!t) throw new Error(`no token ${tokenId}`);
    return `PVEAPIToken=${t.id}=${t.secret}`;
  }

  async start(): Promise<void> {
    if (this.server) throw new Error('PveDouble already started');
    this.loadedCerts = await pveCerts();
    const server = createServer({ key: this.loadedCerts.keyPem, cert: this.loadedCerts.certPem }, (req, res) => {
      void this.onRequest(req, res);
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    // A client that fails the TLS handshake (an untrusted CA) is not the double's problem.
    server.on('tlsClientError', () => {});
    // A test that forgets stop() must not keep the test process alive; open requests and tasks still do.
    server.unref();
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** Closes the server and every connection and clears every timer; idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.timers.clear();
      const server = this.server;
      if (!server) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of this.sockets) s.destroy();
      await closed;
    })();
    return this.stopped;
  }

  /** Adds a guest (lxc unless told) and returns the test's handle on it. */
  addGuest(opts: AddGuestOptions): PveGuest {
    if (this.guests.has(opts.vmid)) throw new Error(`guest ${opts.vmid} exists already`);
    const node = opts.node ?? [...this.nodes.keys()][0]!;
    if (!this.nodes.has(node)) throw new Error(`no such cluster node '${node}'`);
    const guest = new PveGuest({ ...opts, node }, { timers: this.timers, hasNode: (n) => this.nodes.has(n) });
    this.guests.set(opts.vmid, guest);
    return guest;
  }

  guest(vmid: number): PveGuest {
    const g = this.guests.get(vmid);
    if (!g) throw new Error(`no guest ${vmid}`);
    return g;
  }

  removeGuest(vmid: number): void {
    this.guests.delete(vmid);
  }

  /** Takes a node off the network: requests for it answer 595, its guests show 'unknown' in /cluster/resources. */
  setNodeOnline(node: string, online: boolean): void {
    const n = this.nodes.get(node);
    if (!n) throw new Error(`no such cluster node '${node}'`);
    n.online = online;
  }

  /** A task by UPID, to assert on its status and log. */
  task(upid: string): Task | undefined {
    return this.tasks.get(upid);
  }

  /** Every task so far. */
  get allTasks(): readonly Task[] {
    return this.tasks.all();
  }

  /** The next `count` matching requests are answered `status reason` (body {data:null}) before anything else. */
  failNext(count: number, status: number, reason: string, opts: FaultOptions = {}): void {
    this.failRules.push({ remaining: count, status, reason, drop: false, ...(opts.path ? { path: opts.path } : {}) });
  }

  /** The next `count` matching requests get their connection destroyed without an answer. */
  dropNext(count: number, opts: FaultOptions = {}): void {
    this.failRules.push({ remaining: count, status: 0, reason: '', drop: true, ...(opts.path ? { path: opts.path } : {}) });
  }

  /** From now on matching requests are answered `ms` late; delay(0) (with the same path option) removes it. */
  delay(ms: number, opts: FaultOptions = {}): void {
    const key = opts.path?.source;
    this.delayRules = this.delayRules.filter((r) => r.path?.source !== key);
    if (ms > 0) this.delayRules.push({ ms, ...(opts.path ? { path: opts.path } : {}) });
  }

  /** Requests whose method and path (as sent) match, e.g. `requestsTo('POST', /status\/start$/)`. */
  requestsTo(method: string, path: RegExp): PveRequestRecord[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch {
      return;
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const contentType = req.headers['content-type'];
    const record: PveRequestRecord = {
      method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization, body, form: parseBody(body, contentType), contentType, at: Date.now(),
    };
    this.requests.push(record);
    for (const rule of this.delayRules) {
      if (!rule.path || rule.path.test(record.path)) await this.timers.sleep(rule.ms);
    }
    const fault = this.failRules.find((r) => r.remaining > 0 && (!r.path || r.path.test(record.path)));
    if (fault) {
      fault.remaining--;
      if (fault.drop) {
        req.socket.destroy();
        return;
      }
      return send(res, fault.status, fault.reason, { data: null });
    }
    try {
      const reply = this.dispatch(record);
      send(res, 200, 'OK', { data: reply.data ?? null, ...(reply.total !== undefined ? { total: reply.total } : {}) });
    } catch (err) {
      if (err instanceof PveApiError) {
        send(res, err.status, err.message, { data: null, ...(err.errors ? { errors: err.errors } : {}) });
      } else {
        send(res, 500, err instanceof Error ? err.message : String(err), { data: null });
      }
    }
  }

  private dispatch(r: PveRequestRecord): Reply {
    const caller = this.authenticate(r.authorization);
    const rel = r.path.startsWith(`${PREFIX}/`) ? r.path.slice(PREFIX.length) : undefined;
    const segments = rel?.split('/').filter((s) => s !== '').map((s) => safeDecode(s));
    const found = segments && !segments.includes('\0') ? findRoute(r.method, segments) : undefined;
    if (!found) throw new PveApiError(501, `Method '${r.method} ${rel ?? r.path}' not implemented`);
    // PVE takes POST parameters from the body and from the query string alike.
    const given = r.method === 'GET' ? r.query : { ...r.query, ...r.form };
    return runRoute(this.env, found.route, found.raw, given, caller);
  }

  private authenticate(header: string | undefined): Caller {
    const m = header ? /^PVEAPIToken=(\S+@\S+![^=\s]+)=(\S+)$/.exec(header.trim()) : null;
    if (!m) throw new PveApiError(401, 'No ticket');
    const [, id, secret] = m as unknown as [string, string, string];
    const token = this.tokens.find((t) => t.id === id);
    if (!token || !sameSecret(token.secret, secret)) throw new PveApiError(401, 'invalid token value!');
    const privileges = token.privileges ?? ALL_PRIVILEGES;
    return {
      user: token.id,
      can: (path, privilege) => {
        if (!privileges.includes(privilege)) return false;
        const vm = /^\/vms\/(\d+)$/.exec(path);
        return !(vm && token.vmids && !token.vmids.includes(Number(vm[1])));
      },
    };
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '\0';
  }
}

function parseBody(body: string, contentType: string | undefined): Record<string, string> {
  if (body === '') return {};
  if (contentType?.startsWith('application/json')) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v)]));
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

/** PVE puts the message in the reason phrase; it must be one line of printable characters. */
function send(res: ServerResponse, status: number, reason: string, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const phrase = reason.replace(/[\r\n]+$/, '').replace(/[^\t\x20-\x7e]/g, ' ');
  res.writeHead(status, phrase, { 'content-type': 'application/json;charset=UTF-8' });
  res.end(JSON.stringify(body));
}
