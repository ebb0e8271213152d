/**
 * A small client for the Proxmox VE API (`/api2/json`), on node:https.
 *
 * Why not fetch or a library: TLS trust here is per provider — one cluster with its own CA,
 * another pinned by fingerprint, a lab box with `insecure` — and must never leak into the rest of
 * the process. A per-client https.Agent carries its own CA, pin check and rejectUnauthorized, so
 * nothing process-wide (NODE_TLS_REJECT_UNAUTHORIZED, a global dispatcher) is touched, and no new
 * dependency is needed. The agent keeps connections alive: a poll every few seconds reuses one.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import type { IncomingMessage, RequestOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import { ProviderError } from '../errors.ts';

/** What a {@link PveClient} is built from (the subset of ProxmoxProviderConfig it needs). */
export interface PveClientOptions {
  /** The provider's name, for configuration errors. */
  readonly name: string;
  /** https://host:8006, no path. */
  readonly url: string;
  readonly tokenId: string;
  readonly tokenSecret: string;
  readonly tls: { readonly ca?: string; readonly fingerprint?: string; readonly insecure: boolean };
  /** Each request is given up after this long. */
  readonly timeoutMs: number;
}

/** Query or form values; booleans are sent as 0/1, as PVE expects. */
export type PveParams = Readonly<Record<string, string | number | boolean | undefined>>;

/** PVE answered with an HTTP error: the status, its reason phrase (PVE's error text) and parameter errors. */
export class PveHttpError extends Error {
  override readonly name = 'PveHttpError';
  readonly status: number;
  /** The HTTP reason phrase, which is where PVE puts its message (`invalid token value!`). */
  readonly reason: string;
  /** Per-parameter problems of a 400 `Parameter verification failed.` */
  readonly errors: Readonly<Record<string, string>>;

  constructor(method: string, path: string, status: number, reason: string, errors: Readonly<Record<string, string>> = {}) {
    const params = Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join('; ');
    super(`${method} ${path}: HTTP ${status} ${reason}${params ? ` (${params})` : ''}`);
    this.status = status;
    this.reason = reason;
    this.errors = errors;
  }
}

/** A request outlived its own deadline (the client's timeoutMs). */
export class PveTimeoutError extends Error {
  override readonly name = 'PveTimeoutError';
  readonly timeoutMs: number;

  constructor(method: string, path: string, timeoutMs: number) {
    super(`${method} ${path}: no answer within ${timeoutMs}ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** The server's certificate is not the pinned one: the connection is closed before anything is sent. */
export class PveFingerprintError extends Error {
  override readonly name = 'PveFingerprintError';
  readonly code = 'ERR_PVE_FINGERPRINT';

  constructor(expected: string, actual: string | undefined) {
    super(`TLS certificate fingerprint mismatch: pinned ${short(expected)}, the server presented ${actual ? short(actual) : 'no certificate'}`);
  }
}

/** HTTP statuses of a PVE (or a proxy before it) that is briefly away: 595/596 are pveproxy's own for a node it cannot reach. */
const TRANSIENT_STATUSES = new Set([502, 503, 504, 595, 596]);

/** Socket failures that a moment later may well not happen again. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT']);

/**
 * True for a failure of one request that says nothing about the next: it timed out, PVE (or its
 * proxy) answered 502/503/504/595/596, or the connection was reset or refused. A read that is part
 * of following an action is asked again after it; anything PVE said in words (400 `no such task`,
 * 500 ...) is final.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof PveTimeoutError) return true;
  if (err instanceof PveHttpError) return TRANSIENT_STATUSES.has(err.status);
  const code = (err as { code?: unknown } | null)?.code;
  return (typeof code === 'string' && TRANSIENT_CODES.has(code)) || (err instanceof Error && /socket hang up/i.test(err.message));
}

/** Answers larger than this are refused: /cluster/resources of a big cluster is well under it. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The API client of one PVE provider. */
export class PveClient {
  readonly #base: URL;
  readonly #auth: string;
  readonly #timeoutMs: number;
  readonly #agent: https.Agent;

  constructor(opts: PveClientOptions) {
    let base: URL;
    try {
      base = new URL(opts.url);
    } catch (cause) {
      throw configError(opts.name, `url "${opts.url}" is not a URL`, cause);
    }
    if (base.protocol !== 'https:') throw configError(opts.name, `url "${opts.url}": the PVE API is served over https only`);
    this.#base = new URL(`${base.origin}/api2/json`);
    this.#auth = `PVEAPIToken=${opts.tokenId}=${opts.tokenSecret}`;
    this.#timeoutMs = opts.timeoutMs;
    this.#agent = createAgent(opts);
  }

  /** GET a path under /api2/json (segments already encoded); resolves to `data`. */
  get<T = unknown>(path: string, query?: PveParams, signal?: AbortSignal): Promise<T> {
    return this.#request<T>('GET', path, query, undefined, signal, true);
  }

  /** POST form-encoded parameters; resolves to `data` (a UPID for power actions). */
  post<T = unknown>(path: string, params?: PveParams, signal?: AbortSignal): Promise<T> {
    return this.#request<T>('POST', path, undefined, params, signal, false);
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  async #request<T>(method: string, path: string, query: PveParams | undefined, form: PveParams | undefined, signal: AbortSignal | undefined, retryStale: boolean): Promise<T> {
    try {
      return await this.#once<T>(method, path, query, form, signal);
    } catch (err) {
      // A kept-alive connection the server closed while idle fails at once; a GET is safe to repeat.
      if (retryStale && err instanceof StaleSocketError) return this.#once<T>(method, path, query, form, signal);
      throw err instanceof StaleSocketError ? err.cause : err;
    }
  }

  #once<T>(method: string, path: string, query: PveParams | undefined, form: PveParams | undefined, signal: AbortSignal | undefined): Promise<T> {
    signal?.throwIfAborted();
    const url = new URL(this.#base.href + path);
    const q = encode(query);
    if (q) url.search = q;
    const body = form ? encode(form) : undefined;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const req = https.request(url, {
        method,
        agent: this.#agent,
        headers: {
          authorization: this.#auth,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }),
        },
      });
      const timer = setTimeout(() => {
        finish(() => reject(new PveTimeoutError(method, path, this.#timeoutMs)));
        req.destroy();
      }, this.#timeoutMs);
      const onAbort = (): void => {
        finish(() => reject(signal?.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError')));
        req.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err) => finish(() => reject(req.reusedSocket && isReset(err) ? new StaleSocketError(err) : err)));
      req.on('response', (res) => {
        readBody(res).then(
          (text) => finish(() => {
            try {
              resolve(parseAnswer<T>(method, path, res, text));
            } catch (err) {
              reject(err);
            }
          }),
          (err: unknown) => finish(() => reject(err)),
        );
      });
      req.end(body);
    });
  }
}

/** A reused keep-alive socket was found closed: the request never reached PVE. */
class StaleSocketError extends Error {
  override readonly cause: Error;

  constructor(cause: Error) {
    super(cause.message);
    this.cause = cause;
  }
}

function isReset(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/**
 * The agent carries this provider's TLS trust: a CA file (read now, so a bad path fails at
 * configuration), a pinned fingerprint, or no checks at all — for this agent only.
 */
function createAgent(opts: PveClientOptions): https.Agent {
  const base = { keepAlive: true, maxSockets: 8, timeout: 60_000 };
  const pin = opts.tls.fingerprint === undefined ? undefined : normalizeFingerprint(opts.tls.fingerprint);
  if (pin !== undefined) {
    if (!/^[0-9A-F]{64}$/.test(pin.replaceAll(':', ''))) throw configError(opts.name, `providers.proxmox.${opts.name}.fingerprint "${opts.tls.fingerprint}" is not a SHA-256 fingerprint (32 hex pairs)`);
    return new PinnedAgent({ ...base, maxCachedSessions: 0 }, pin, opts.timeoutMs);
  }
  if (opts.tls.ca !== undefined) {
    let ca: Buffer;
    try {
      ca = readFileSync(opts.tls.ca);
    } catch (cause) {
      throw configError(opts.name, `cannot read providers.proxmox.${opts.name}.ca "${opts.tls.ca}": ${(cause as Error).message}`, cause);
    }
    return new https.Agent({ ...base, ca, rejectUnauthorized: true });
  }
  return new https.Agent({ ...base, rejectUnauthorized: !opts.tls.insecure });
}

/**
 * An agent that trusts exactly one certificate, by its SHA-256 fingerprint. A self-signed node
 * certificate never passes chain verification, and Node calls checkServerIdentity only after it
 * does, so the chain check is off and the pin is checked on the socket's peer certificate instead —
 * before the socket is handed to the request, so not a byte (nor the token) reaches a server whose
 * certificate is not the pinned one.
 */
class PinnedAgent extends https.Agent {
  readonly #pin: string;
  readonly #handshakeMs: number;
  /**
   * Sockets still in their handshake. The request gets its socket only after secureConnect, so
   * until then neither the request's timeout nor Agent.destroy() knows of it: these are ended here.
   */
  readonly #pending = new Set<tls.TLSSocket>();

  constructor(options: https.AgentOptions, pin: string, handshakeMs: number) {
    super(options);
    this.#pin = pin;
    this.#handshakeMs = handshakeMs;
  }

  override createConnection(options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const socket = tls.connect({ ...(options as tls.ConnectionOptions), rejectUnauthorized: false });
    this.#pending.add(socket);
    let done = false;
    const settle = (err: Error | null): void => {
      if (done) return;
      done = true;
      this.#pending.delete(socket);
      socket.setTimeout(0);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err) {
        socket.destroy();
        callback?.(err, undefined as unknown as Duplex);
      } else {
        callback?.(null, socket);
      }
    };
    const onError = (err: Error): void => settle(err);
    const onClose = (): void => settle(new Error('the connection closed during the TLS handshake'));
    socket.once('error', onError);
    socket.once('close', onClose);
    // A server that accepts and never answers would hold the socket for good.
    socket.setTimeout(this.#handshakeMs, () => settle(Object.assign(new Error(`TLS handshake not done within ${this.#handshakeMs}ms`), { code: 'ETIMEDOUT' })));
    socket.once('secureConnect', () => {
      const actual = socket.getPeerCertificate()?.fingerprint256;
      if (actual && normalizeFingerprint(actual) === this.#pin) return settle(null);
      settle(new PveFingerprintError(this.#pin, actual || undefined));
    });
    return undefined;
  }

  /** Ends the kept-alive sockets and those still in their handshake. */
  override destroy(): void {
    for (const s of this.#pending) s.destroy();
    this.#pending.clear();
    super.destroy();
  }
}

/** Upper-case hex pairs with colons, as the PVE web UI and Node both show them. */
function normalizeFingerprint(text: string): string {
  const hex = text.replace(/[^0-9a-f]/gi, '').toUpperCase();
  return hex.match(/../g)?.join(':') ?? '';
}

/** The first four bytes of a fingerprint: enough to tell two apart in a message. */
function short(fingerprint: string): string {
  return `${fingerprint.split(':').slice(0, 4).join(':')}…`;
}

function encode(params: PveParams | undefined): string {
  if (!params) return '';
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    out.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  return out.toString();
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        res.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(c);
    });
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
    res.once('aborted', () => reject(new Error('the answer was cut off')));
  });
}

/** `{data}` of a 2xx; otherwise a PveHttpError from the reason phrase and any `errors`. */
function parseAnswer<T>(method: string, path: string, res: IncomingMessage, text: string): T {
  const status = res.statusCode ?? 0;
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (status < 200 || status >= 300) {
    const raw = typeof body === 'object' && body !== null ? (body as { errors?: unknown }).errors : undefined;
    const errors: Record<string, string> = {};
    if (typeof raw === 'object' && raw !== null) for (const [k, v] of Object.entries(raw)) errors[k] = typeof v === 'string' ? v.trim() : JSON.stringify(v);
    const reason = (res.statusMessage ?? '').trim() || (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string' ? String((body as { message: string }).message).trim() : '') || 'no reason given';
    throw new PveHttpError(method, path, status, reason, errors);
  }
  if (typeof body !== 'object' || body === null || !('data' in body)) {
    throw new PveHttpError(method, path, status, 'the answer is not a JSON {data} object');
  }
  return (body as { data: T }).data;
}

function configError(name: string, detail: string, cause?: unknown): ProviderError {
  return new ProviderError({ kind: 'proxmox', provider: name, op: 'configure', reason: 'config', detail, ...(cause === undefined ? {} : { cause }) });
}
