/**
 * One service's wake events over SSE (better-sse). Every subscriber first gets the history of the
 * current wake, then live events, so a page that connects after `ready` or `error` still learns it.
 * better-sse has no replay of its own; the history is ours (history.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createChannel, createSession } from 'better-sse';
import type { WakeEvent, WakeEventType } from '../service/index.ts';
import { describe } from './sentences.ts';

/** A wake event as the loading page gets it (CONTRACT §3): public fields only, with its sentence. */
export interface ShownEvent {
  readonly id: number;
  readonly service: string;
  readonly type: WakeEventType;
  readonly at: string;
  readonly message: string;
  readonly error?: string;
  readonly dependency?: string;
  readonly reason?: 'idle' | 'manual' | 'restart';
  readonly retry_at?: string;
}
import { WakeHistory } from './history.ts';

/** Heartbeat comments keep proxies and browsers from timing the stream out; CONTRACT §3 asks for ≤ 15 s. */
export const DEFAULT_HEARTBEAT_MS = 10_000;
/** How long a browser waits before reconnecting a dropped stream. */
export const RETRY_MS = 2_000;

/** What the stream needs from a service. */
export interface EventfulService {
  readonly name: string;
  onEvent(listener: (event: WakeEvent) => void): () => void;
}

/**
 * A stream is ended after this long. EventSource reconnects by itself (after `retry:`) and sends
 * Last-Event-ID, so a page loses nothing, while a client that opened a stream and went away
 * without closing it does not hold a connection forever.
 */
export const DEFAULT_SSE_LIFETIME_MS = 10 * 60_000;
/** setTimeout fires at once beyond this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options for a stream. */
export interface WakeEventStreamOptions {
  readonly heartbeatMs?: number;
  readonly lifetimeMs?: number;
}

/** The SSE endpoint of one service. */
export class WakeEventStream {
  private readonly service: EventfulService;
  private readonly heartbeatMs: number;
  private readonly lifetimeMs: number;
  private readonly history = new WakeHistory();
  private readonly channel = createChannel();
  private readonly open = new Set<ServerResponse>();
  private unsubscribe: (() => void) | undefined;

  constructor(service: EventfulService, opts: WakeEventStreamOptions = {}) {
    this.service = service;
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.lifetimeMs = Math.min(opts.lifetimeMs ?? DEFAULT_SSE_LIFETIME_MS, MAX_TIMER_MS);
  }

  /** Streams open right now, counted from the moment attach() is called. */
  get subscribers(): number {
    return this.open.size;
  }

  /** Starts recording the service's events. */
  start(): void {
    this.unsubscribe ??= this.service.onEvent((event) => {
      const shown = publicEvent(event);
      this.history.push(shown);
      this.channel.broadcast(shown, 'message', { eventId: String(event.id) });
    });
  }

  /** Turns the request into an event stream: history first (after Last-Event-ID when given), then live. */
  async attach(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Counted before the first await, so a burst of requests cannot all pass a cap check at once.
    this.open.add(res);
    const lifetime = setTimeout(() => res.end(), this.lifetimeMs).unref();
    res.once('close', () => {
      clearTimeout(lifetime);
      this.open.delete(res);
    });
    const lastId = parseLastEventId(req.headers['last-event-id']);
    // The client's Last-Event-ID is read above and checked against the history; better-sse need not echo it.
    const session = await createSession(req, res, { keepAlive: this.heartbeatMs, retry: RETRY_MS, trustClientEventId: false });
    if (res.destroyed) return;
    // History and registration happen in one tick, so no event falls between the two.
    for (const event of this.history.since(lastId)) session.push(event, 'message', String(event.id));
    this.channel.register(session);
  }

  /** Stops recording and ends every open stream (the daemon is stopping). Idempotent. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const res of this.open) res.end();
    this.open.clear();
  }
}

/**
 * The event as a visitor may see it: named fields only, so a field added to WakeEvent for the
 * operator (like `detail`, which can carry probe URLs and engine errors) never leaks by default.
 */
export function publicEvent(e: WakeEvent): ShownEvent {
  return {
    id: e.id,
    service: e.service,
    type: e.type,
    at: e.at,
    message: describe(e),
    ...(e.error === undefined ? {} : { error: e.error }),
    ...(e.dependency === undefined ? {} : { dependency: e.dependency }),
    ...(e.reason === undefined ? {} : { reason: e.reason }),
    ...(e.retry_at === undefined ? {} : { retry_at: e.retry_at }),
  };
}

function parseLastEventId(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d{1,15}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
