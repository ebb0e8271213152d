/** A raw SSE client for tests: sees every field (id, retry, comments) that EventSource hides. */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { waitFor } from './wait.ts';

/** One dispatched event. */
export interface SseEvent {
  readonly id?: string;
  readonly event?: string;
  readonly data: string;
}

/** An open event stream. */
export interface SseStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Events so far, in order. */
  readonly events: SseEvent[];
  /** Comment lines so far (heartbeats), with their arrival times. */
  readonly comments: number[];
  /** The last `retry:` value. */
  retry(): number | undefined;
  /** The events' data parsed as JSON. */
  json<T = { id: number; type: string; message: string; error?: string }>(): T[];
  /** Waits until `predicate` holds for the parsed events. */
  until<T = { id: number; type: string; message: string; error?: string }>(predicate: (events: T[]) => boolean, timeoutMs?: number): Promise<T[]>;
  close(): void;
}

/** Opens GET path on 127.0.0.1:port with the given Host and headers; resolves once the response head arrives. */
export function openEventStream(opts: { port: number; host: string; path?: string; headers?: Record<string, string> }): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port: opts.port,
      path: opts.path ?? '/__drowse/events',
      headers: { host: opts.host, accept: 'text/event-stream', ...opts.headers },
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => resolve(stream(res, () => req.destroy())));
    req.end();
  });
}

function stream(res: IncomingMessage, close: () => void): SseStream {
  const events: SseEvent[] = [];
  const comments: number[] = [];
  let retry: number | undefined;
  let buffer = '';
  let pending: { id?: string; event?: string; data: string[] } = { data: [] };
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer[nl] === '\r' ? 2 : 1));
      if (line === '') {
        if (pending.data.length > 0) events.push({ ...(pending.id === undefined ? {} : { id: pending.id }), ...(pending.event === undefined ? {} : { event: pending.event }), data: pending.data.join('\n') });
        pending = { data: [] };
        continue;
      }
      if (line.startsWith(':')) {
        comments.push(Date.now());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') pending.data.push(value);
      else if (field === 'id') pending.id = value;
      else if (field === 'event') pending.event = value;
      else if (field === 'retry') retry = Number(value);
    }
  });
  res.on('error', () => undefined);
  const json = <T>() => events.map((e) => JSON.parse(e.data) as T);
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    events,
    comments,
    retry: () => retry,
    json,
    until: <T>(predicate: (events: T[]) => boolean, timeoutMs = 20_000) =>
      waitFor(() => (predicate(json<T>()) ? json<T>() : undefined), { timeoutMs, message: 'SSE events' }),
    close,
  };
}
