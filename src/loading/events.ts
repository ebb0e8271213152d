/**
 * One service's wake events over SSE (better-sse). Every subscriber first gets the history of the
 * current wake, then live events, so a page that connects after `ready` or `error` still learns it.
 * better-sse has no replay of its own; the history is ours (history.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createChannel, createSession } from 'better-sse';
import type { WakeEvent } from '../service/index.ts';
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

/** Options for a stream. */
export interface WakeEventStreamOptions {
  readonly heartbeatMs?: number;
}

/** The SSE endpoint of one service. */
export class WakeEventStream {
  private readonly service: EventfulService;
  private readonly heartbeatMs: number;
  private readonly history = new WakeHistory();
  private readonly channel = createChannel();
  private readonly open = new Set<ServerResponse>();
  private unsubscribe: (() => void) | undefined;

  constructor(service: EventfulService, opts: WakeEventStreamOptions = {}) {
    this.service = service;
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
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
    const lastId = parseLastEventId(req.headers['last-event-id']);
    // The client's Last-Event-ID is read above and checked against the history; better-sse need not echo it.
    const session = await createSession(req, res, { keepAlive: this.heartbeatMs, retry: RETRY_MS, trustClientEventId: false });
    if (res.destroyed) return;
    // History and registration happen in one tick, so no event falls between the two.
    for (const event of this.history.since(lastId)) session.push(event, 'message', String(event.id));
    this.channel.register(session);
    this.open.add(res);
    res.once('close', () => this.open.delete(res));
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
export function publicEvent(e: WakeEvent): WakeEvent {
  return {
    id: e.id,
    service: e.service,
    type: e.type,
    at: e.at,
    message: e.message,
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
