/**
 * The CLI's side of GET /events (`drowse events`): follows the stream until told to stop, and
 * reconnects with backoff when it drops (drowse restarting, say), sending Last-Event-ID so the
 * daemon replays what was missed.
 */
import http from 'node:http';
import { formatDuration } from '../kernel/index.ts';
import { ControlClientError, type ControlTarget } from './client.ts';

/** One dispatched server-sent event. */
export interface SseMessage {
  readonly id?: string;
  readonly event?: string;
  readonly data: string;
}

/** How to follow. */
export interface FollowOptions {
  /** Aborting ends the follow; the promise then resolves. */
  readonly signal: AbortSignal;
  readonly onEvent: (message: SseMessage) => void;
  /** Told when the stream is lost (with the wait before the next try) and when it is back. */
  readonly onStatus?: (status: { readonly connected: boolean; readonly error?: string; readonly retryInMs?: number }) => void;
  /** Start after this event (an id from an earlier follow): the daemon replays only what came after. */
  readonly lastEventId?: string;
  /** Wait before reconnecting: doubles from initialMs up to maxMs, and starts over once connected (500 ms, 10 s). */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

/**
 * Follows the daemon's events until the signal aborts. The first connection must succeed (a
 * daemon that is not running is an error, as for `docker events`); after that, a lost stream is
 * retried for as long as the caller wants. A 401 or 404 is never retried: it will not change.
 */
export async function followEvents(target: ControlTarget, opts: FollowOptions): Promise<void> {
  const initial = opts.backoff?.initialMs ?? 500;
  const max = opts.backoff?.maxMs ?? 10_000;
  let lastId = opts.lastEventId;
  let delay = initial;
  let everConnected = false;
  while (!opts.signal.aborted) {
    const outcome = await streamOnce(target, lastId, opts.signal, (m) => {
      if (m.id !== undefined) lastId = m.id;
      opts.onEvent(m);
    }, () => {
      if (everConnected) opts.onStatus?.({ connected: true });
      everConnected = true;
      delay = initial;
    });
    if (opts.signal.aborted) return;
    if (outcome.fatal || !everConnected) throw outcome.error;
    opts.onStatus?.({ connected: false, error: outcome.error.message, retryInMs: delay });
    await wait(delay, opts.signal);
    delay = Math.min(max, delay * 2);
  }
}

/** The event in one line: `2026-11-22T10:00:00.000Z whoami ready: whoami is ready (took=2.52s)`. */
export function formatEventLine(data: string): string {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(data) as Record<string, unknown>;
  } catch {
    return data;
  }
  const attrs: string[] = [];
  if (typeof e.duration_ms === 'number') attrs.push(`took=${formatDuration(e.duration_ms)}`);
  for (const key of ['reason', 'method', 'dependency', 'check', 'retry_at'] as const) if (typeof e[key] === 'string') attrs.push(`${key}=${e[key]}`);
  for (const key of ['error', 'cause'] as const) if (typeof e[key] === 'string') attrs.push(`${key}=${JSON.stringify(e[key])}`);
  const head = `${String(e.at)} ${String(e.service)} ${String(e.type)}: ${String(e.message)}`;
  return attrs.length === 0 ? head : `${head} (${attrs.join(', ')})`;
}

/** Splits an event stream into messages (the WHATWG rules: fields, blank-line dispatch, comments ignored). */
export class SseParser {
  private buffer = '';
  private pending: { id?: string; event?: string; data: string[] } = { data: [] };

  /** Feeds text; returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + (this.buffer.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        const p = this.pending;
        if (p.data.length > 0) out.push({ ...(p.id === undefined ? {} : { id: p.id }), ...(p.event === undefined ? {} : { event: p.event }), data: p.data.join('\n') });
        this.pending = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') this.pending.data.push(value);
      else if (field === 'id') this.pending.id = value;
      else if (field === 'event') this.pending.event = value;
    }
    return out;
  }
}

interface StreamEnd {
  readonly error: Error;
  /** Retrying cannot help (wrong token, no such route). */
  readonly fatal: boolean;
}

/** One connection: resolves when it ends, for whatever reason. */
function streamOnce(target: ControlTarget, lastId: string | undefined, signal: AbortSignal, onMessage: (m: SseMessage) => void, onOpen: () => void): Promise<StreamEnd> {
  const where = target.listen ? `${target.listen.host}:${target.listen.port}` : target.socket ?? '';
  return new Promise((resolve) => {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (target.token) headers.authorization = `Bearer ${target.token}`;
    if (lastId !== undefined) headers['last-event-id'] = lastId;
    const req = http.request({
      method: 'GET',
      path: '/events',
      ...(target.listen ? { host: target.listen.host, port: target.listen.port } : { socketPath: target.socket }),
      headers,
      signal,
    });
    const end = (error: Error, fatal = false) => resolve({ error, fatal });
    req.on('error', (err) => end(new ControlClientError(`control API at ${where}: ${(err as NodeJS.ErrnoException).code ?? err.message} (is drowse running?)`, { cause: err })));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let msg = `status ${status}`;
          try {
            msg = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: string }).error ?? msg;
          } catch {
            // Not JSON: the status says enough.
          }
          end(new ControlClientError(`control API at ${where}: ${msg}`, { status }), status === 401 || status === 403 || status === 404);
        });
        return;
      }
      onOpen();
      const parser = new SseParser();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        for (const m of parser.push(chunk)) onMessage(m);
      });
      res.on('end', () => end(new ControlClientError(`control API at ${where}: the event stream ended`)));
      res.on('error', (err) => end(new ControlClientError(`control API at ${where}: the event stream broke: ${err.message}`, { cause: err })));
      res.on('close', () => end(new ControlClientError(`control API at ${where}: the event stream closed`)));
    });
    req.end();
  });
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
