/**
 * Forwarding to a ready upstream, on http-proxy-3. What this file adds to the library: the
 * request target sent exactly as the client wrote it, X-Forwarded-* headers set the way Traefik
 * does by default (the client's own are replaced, never trusted), a lenient parser for what
 * upstreams answer, loop detection, a keep-alive agent, and a client connection that is cut when
 * the upstream dies mid-response (the library would leave it hanging).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import { WarnLimiter, type Logger } from '../../kernel/index.ts';
import { answerError } from './answer.ts';
import { UpstreamError } from './errors.ts';
import { LoopMarks } from './loop.ts';

/** Who the request is for, carried through the proxy so errors can name the service. */
export interface ForwardTarget {
  readonly service: string;
  readonly target: URL;
  /** The origin-form request target to send, as the client sent it. */
  readonly path: string;
  /**
   * Called instead of answering 502 when the upstream refused the connection and the request had
   * no body: nothing reached the app, so the entrypoint may hold the request and send it again.
   */
  readonly onRefused?: () => void;
  /** Called when the upstream answered (response headers, or the upgrade): a held request's release place is freed. */
  readonly onAnswered?: (answered?: boolean) => void;
}

/**
 * Marks requests this process forwarded. A target that leads back to drowse (a typo'd port, a
 * container publishing on drowse's own port) would otherwise forward the same request to itself
 * until sockets run out; with the mark the second pass is answered 508 at once.
 */
const LOOP_HEADER = 'x-drowse-loop';
/** A request's target, on the request itself (a WeakMap entry per request would cost every GC). */
const TARGET = Symbol('drowse.target');
type Targeted = IncomingMessage & { [TARGET]?: ForwardTarget };
const targetOf = (req: IncomingMessage): ForwardTarget | undefined => (req as Targeted)[TARGET];

/** Proxies requests and upgrades to ready upstreams. */
export class Forwarder {
  private readonly agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 64, scheduling: 'lifo' });
  private readonly proxy = createProxyServer({ agent: this.agent, xfwd: false, ws: true, changeOrigin: false });
  private readonly log: Logger;
  private readonly warnings = new WarnLimiter();
  private readonly marks = new LoopMarks();

  constructor(log: Logger) {
    this.log = log;
    this.proxy.on('error', (err, req, resOrSocket) => {
      const t = targetOf(req);
      if (t?.onRefused && resOrSocket instanceof http.ServerResponse && !resOrSocket.headersSent && refusedBeforeSending(err, req)) {
        t.onRefused();
        return;
      }
      const upstream = new UpstreamError(t?.service ?? 'unknown', { cause: err });
      // A dead upstream fails every request; one line a minute per service says it.
      const limited = this.warnings.allow(`upstream:${t?.service ?? ''}`);
      if (limited) this.log.warn({ service: t?.service, err: errorCode(err), suppressed: limited.suppressed }, 'upstream request failed');
      if (resOrSocket instanceof http.ServerResponse) answerError(req, resOrSocket, upstream);
      else resOrSocket.destroy();
    });
    this.proxy.on('proxyRes', (proxyRes, req, res) => {
      // The upstream answered, so this request did not loop back: its mark is spent.
      this.marks.spend(req.headers[LOOP_HEADER]);
      targetOf(req)?.onAnswered?.();
      // An upstream that closes before the body is complete must close the client too, or it waits forever.
      proxyRes.once('close', () => {
        if (!proxyRes.complete) res.destroy();
      });
    });
    this.proxy.on('proxyReqWs', (proxyReq, req) => {
      const spend = () => {
        this.marks.spend(req.headers[LOOP_HEADER]);
        targetOf(req)?.onAnswered?.();
      };
      proxyReq.once('upgrade', spend);
      proxyReq.once('response', spend);
    });
  }

  /** True when this request is one this process forwarded, come back: a target that loops to drowse. */
  cameBack(req: IncomingMessage): boolean {
    return this.marks.has(req.headers[LOOP_HEADER]);
  }

  /** Forwards a plain HTTP request, streaming the body both ways. */
  web(req: IncomingMessage, res: ServerResponse, to: ForwardTarget): void {
    this.prepare(req, to, res);
    this.proxy.web(req, res, { target: to.target, ssl: upstreamRequest(to.path) });
  }

  /** Sends a bodiless request again after a refused first try (its stream has ended, so an empty one stands in). */
  resend(req: IncomingMessage, res: ServerResponse, to: ForwardTarget): void {
    this.prepare(req, to, res);
    this.proxy.web(req, res, { target: to.target, ssl: upstreamRequest(to.path), buffer: Readable.from([]) });
  }

  /** Forwards a WebSocket (or other) upgrade. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, to: ForwardTarget): void {
    this.prepare(req, to, socket);
    this.proxy.ws(req, socket, head, { target: to.target, ssl: upstreamRequest(to.path) });
  }

  /** Closes idle upstream connections. */
  close(): void {
    this.agent.destroy();
  }

  private prepare(req: IncomingMessage, to: ForwardTarget, client: ServerResponse | Duplex): void {
    setForwarded(req);
    const mark = this.marks.issue();
    req.headers[LOOP_HEADER] = mark;
    client.once('close', () => this.marks.spend(mark));
    (req as Targeted)[TARGET] = to;
  }
}

/**
 * The options http-proxy-3 starts its upstream request from (its `ssl` option is that base, for
 * http too). The library computes the path by parsing req.url as a URL — resolving dot segments,
 * dropping an empty query — and joining it to the target's path; the accessor makes it send the
 * target as the client wrote it. Upstream answers are parsed leniently (bare-LF line endings from
 * busybox httpd or embedded devices); the server side toward clients stays strict.
 */
function upstreamRequest(path: string): object {
  return Object.defineProperty({ insecureHTTPParser: true }, 'path', { enumerable: true, get: () => path, set: () => undefined });
}

/**
 * A refused connect means the upstream received nothing. Only a request without a body can be sent
 * again: a body already read from the client is gone.
 */
function refusedBeforeSending(err: Error, req: IncomingMessage): boolean {
  if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

/**
 * X-Forwarded-* as Traefik sets them, the client's own replaced. Assigning over a header the client
 * sent replaces it; `delete` is kept for the two that may have no value of ours, since deleting a
 * property turns the headers object into a slow dictionary for the rest of the request.
 */
function setForwarded(req: IncomingMessage): void {
  const headers = req.headers;
  const client = req.socket.remoteAddress ?? '';
  headers['x-forwarded-for'] = client;
  headers['x-real-ip'] = client;
  headers['x-forwarded-proto'] = 'http';
  if (headers.host) headers['x-forwarded-host'] = headers.host;
  else if (headers['x-forwarded-host'] !== undefined) delete headers['x-forwarded-host'];
  if (req.socket.localPort) headers['x-forwarded-port'] = String(req.socket.localPort);
  else if (headers['x-forwarded-port'] !== undefined) delete headers['x-forwarded-port'];
}

function errorCode(err: Error): string {
  return (err as NodeJS.ErrnoException).code ?? err.message;
}
