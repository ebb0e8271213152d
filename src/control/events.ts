/**
 * Every service's events in one place, for the operator: each becomes one record (the wake event
 * with its sentence, its full cause and how long the step took), numbered daemon-wide, redacted,
 * appended to the event log and sent to the control API's GET /events streams.
 *
 * Per-service ids (CONTRACT §3) repeat across services, so the stream's `id:` is `seq`, which grows
 * by one over all of them. The last records are kept so a client that reconnects with
 * Last-Event-ID gets what it missed (better-sse has no replay of its own).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createChannel, createSession } from 'better-sse';
import { describe } from '../loading/index.ts';
import type { WakeEvent } from '../service/index.ts';
import type { Logger } from '../kernel/index.ts';

/** One line of the event log and one event of GET /events. */
export interface EventRecord extends Omit<WakeEvent, 'detail'> {
  /** Daemon-wide number, the SSE id; starts over at 1 when drowse restarts. */
  readonly seq: number;
  /** The sentence a person reads. */
  readonly message: string;
  /** The full reason of an error (engine error, probe result); the event's `detail`. */
  readonly cause?: string;
  /** For ready and error: since waking; for asleep (and a failed stop): since stopping. */
  readonly duration_ms?: number;
}

/** Where records are written besides the streams: the event log writer. */
export interface EventSink {
  /** Never waits; false when the line was dropped. */
  append(line: string): boolean;
}

/** What the feed is built from. */
export interface EventFeedOptions {
  readonly log: Logger;
  /** Applied to every record before it leaves: events can carry engine errors with secrets in them. */
  readonly redact?: (text: string) => string;
  readonly sink?: EventSink;
  /** Records kept for replay (256). */
  readonly historySize?: number;
  /** Open GET /events streams; more get 503 (32). */
  readonly maxStreams?: number;
  /** SSE heartbeat comments (10 s). */
  readonly heartbeatMs?: number;
  /** A stream whose client stopped reading is cut once this much is buffered for it (1 MiB). */
  readonly maxBufferedBytes?: number;
}

const RETRY_MS = 2000;

/** The daemon-wide event feed. */
export class EventFeed {
  private readonly opts: EventFeedOptions;
  private readonly historySize: number;
  private readonly history: EventRecord[] = [];
  private readonly channel = createChannel();
  private readonly open = new Set<ServerResponse>();
  /** Per service: when the current wake or stop began. */
  private readonly began = new Map<string, { waking?: number; stopping?: number }>();
  private seq = 0;
  private stopped = false;

  constructor(opts: EventFeedOptions) {
    this.opts = opts;
    this.historySize = opts.historySize ?? 256;
  }

  /** Open streams right now. */
  get streams(): number {
    return this.open.size;
  }

  /** Takes one service event: record it, write it, send it. Never throws, never waits. */
  record(e: WakeEvent): void {
    const rec = this.toRecord(e);
    this.history.push(rec);
    if (this.history.length > this.historySize) this.history.shift();
    this.opts.sink?.append(JSON.stringify(rec));
    this.channel.broadcast(rec, 'message', { eventId: String(rec.seq) });
    const max = this.opts.maxBufferedBytes ?? 1024 * 1024;
    for (const res of this.open) if (res.writableLength > max) res.destroy();
  }

  /** Turns a GET /events request into a stream: the records after Last-Event-ID (all kept when absent), then live. */
  async attach(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.stopped || this.open.size >= (this.opts.maxStreams ?? 32)) {
      const body = JSON.stringify({ error: this.stopped ? 'drowse is stopping' : 'too many open event streams' }) + '\n';
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    // Counted before the first await, so a burst cannot pass the cap together.
    this.open.add(res);
    res.once('close', () => this.open.delete(res));
    const session = await createSession(req, res, { keepAlive: this.opts.heartbeatMs ?? 10_000, retry: RETRY_MS, trustClientEventId: false });
    if (res.destroyed) return;
    // Replay and registration in one tick, so no record falls between them.
    for (const rec of this.since(lastEventId(req.headers['last-event-id']))) session.push(rec, 'message', String(rec.seq));
    this.channel.register(session);
  }

  /**
   * Kept records after `lastId`, oldest first. An id newer than any kept came from an earlier
   * drowse process (seq starts over), so that client gets everything kept.
   */
  since(lastId?: number): EventRecord[] {
    const newest = this.history.at(-1)?.seq ?? 0;
    if (lastId === undefined || lastId > newest) return [...this.history];
    return this.history.filter((r) => r.seq > lastId);
  }

  /** Ends every stream and refuses new ones (the daemon is stopping). Idempotent. */
  stop(): void {
    this.stopped = true;
    for (const res of this.open) res.end();
    this.open.clear();
  }

  private toRecord(e: WakeEvent): EventRecord {
    const at = Date.parse(e.at);
    const marks = this.began.get(e.service) ?? {};
    let since: number | undefined;
    switch (e.type) {
      case 'waking':
        this.began.set(e.service, { waking: at });
        break;
      case 'stopping':
        this.began.set(e.service, { stopping: at });
        break;
      case 'ready':
      case 'asleep':
      case 'error':
        since = e.type === 'ready' || (e.type === 'error' && e.failed !== 'stop') ? marks.waking : marks.stopping;
        this.began.delete(e.service);
        break;
      default:
        break;
    }
    const { detail, id, service, type, at: when, ...facts } = e;
    const rec: EventRecord = {
      seq: ++this.seq,
      id,
      service,
      type,
      at: when,
      message: describe(e),
      ...facts,
      ...(detail === undefined ? {} : { cause: detail }),
      ...(since === undefined ? {} : { duration_ms: Math.max(0, at - since) }),
    };
    const redact = this.opts.redact;
    if (!redact) return rec;
    try {
      // Redacting the serialised form catches a secret in any field; the marker keeps the JSON valid.
      return JSON.parse(redact(JSON.stringify(rec))) as EventRecord;
    } catch (err) {
      this.opts.log.error({ err }, 'event record could not be redacted; its text is dropped');
      return { seq: rec.seq, id, service, type, at: when, message: describe(e) };
    }
  }
}

function lastEventId(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d{1,15}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
