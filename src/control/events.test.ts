import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redactor, silentLogger } from '../kernel/index.ts';
import type { WakeEvent, WakeEventType } from '../service/index.ts';
import { waitFor } from '../../test/helpers/fakes/index.ts';
import { EventFeed, type EventRecord } from './events.ts';
import { followEvents, formatEventLine, SseParser, type SseMessage } from './events-client.ts';

const ids = new Map<string, number>();
const at = (ms: number) => new Date(Date.UTC(2026, 10, 22, 10, 0, 0, ms)).toISOString();
function ev(service: string, type: WakeEventType, ms: number, extra: Partial<WakeEvent> = {}): WakeEvent {
  const id = (ids.get(service) ?? 0) + 1;
  ids.set(service, id);
  return { id, service, type, at: at(ms), ...extra };
}

function feed(opts: Partial<ConstructorParameters<typeof EventFeed>[0]> = {}): { feed: EventFeed; lines: string[] } {
  const lines: string[] = [];
  return { feed: new EventFeed({ log: silentLogger(), sink: { append: (l) => lines.push(l) > 0 }, heartbeatMs: 60_000, ...opts }), lines };
}

/** A plain HTTP server whose every request is an event stream of the feed. */
async function serve(t: { after(fn: () => Promise<void>): void }, f: EventFeed): Promise<{ host: string; port: number }> {
  const server = http.createServer((req, res) => void f.attach(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    f.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
}

/** Follows until `until` holds for what arrived, then stops. */
async function collect(listen: { host: string; port: number }, until: (m: SseMessage[]) => boolean): Promise<SseMessage[]> {
  const got: SseMessage[] = [];
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 5000);
  await followEvents({ listen }, { signal: ac.signal, backoff: { initialMs: 20, maxMs: 50 }, onEvent: (m) => {
    got.push(m);
    if (until(got)) ac.abort();
  } });
  clearTimeout(timer);
  return got;
}

test('every event becomes one record with a daemon-wide seq, its sentence, its cause and the duration of the step', () => {
  const { feed: f, lines } = feed();
  f.record(ev('web', 'waking', 0));
  f.record(ev('db', 'waking', 5));
  f.record(ev('web', 'ready', 2520));
  f.record(ev('db', 'error', 3005, { error: 'The service could not start.', detail: 'engine said: no such image' }));
  f.record(ev('web', 'stopping', 10_000, { reason: 'idle', method: 'stop' }));
  f.record(ev('web', 'asleep', 10_700));

  const recs = lines.map((l) => JSON.parse(l) as EventRecord);
  assert.deepEqual(recs.map((r) => [r.seq, r.service, r.id, r.type]), [[1, 'web', 1, 'waking'], [2, 'db', 1, 'waking'], [3, 'web', 2, 'ready'], [4, 'db', 2, 'error'], [5, 'web', 3, 'stopping'], [6, 'web', 4, 'asleep']]);
  assert.equal(recs[2]?.duration_ms, 2520);
  assert.equal(recs[2]?.message, 'web is ready');
  assert.equal(recs[3]?.duration_ms, 3000);
  assert.equal(recs[3]?.cause, 'engine said: no such image');
  assert.equal((recs[3] as { detail?: string }).detail, undefined, 'the cause is named once');
  assert.equal(recs[4]?.reason, 'idle');
  assert.equal(recs[5]?.duration_ms, 700, 'a stop is timed from stopping to asleep');
  assert.equal(recs[0]?.duration_ms, undefined);
});

test('secrets are redacted from every record, in the log line and on the stream', () => {
  const redactor = new Redactor(['hunter2-token']);
  const { feed: f, lines } = feed({ redact: (t) => redactor.redact(t) });
  f.record(ev('web', 'error', 0, { detail: 'GET http://x/?token=hunter2-token failed', error: 'The app did not answer.' }));
  assert.doesNotMatch(lines[0] ?? '', /hunter2/);
  assert.match(lines[0] ?? '', /\[redacted\]/);
  assert.doesNotMatch(JSON.stringify(f.since()), /hunter2/);
});

test('replay keeps only the newest records and starts after Last-Event-ID; an id from an earlier process gets everything kept', () => {
  const { feed: f } = feed({ historySize: 3 });
  for (let i = 0; i < 5; i++) f.record(ev('web', 'healthy', i));
  assert.deepEqual(f.since().map((r) => r.seq), [3, 4, 5]);
  assert.deepEqual(f.since(3).map((r) => r.seq), [4, 5]);
  assert.deepEqual(f.since(5), []);
  assert.deepEqual(f.since(1).map((r) => r.seq), [3, 4, 5], 'a gap cannot be filled; what is kept is sent');
  assert.deepEqual(f.since(99).map((r) => r.seq), [3, 4, 5]);
});

test('a stream sends the kept history then live events, each with its seq as id', { timeout: 10_000 }, async (t) => {
  const { feed: f } = feed();
  const listen = await serve(t, f);
  f.record(ev('web', 'waking', 0));
  setTimeout(() => f.record(ev('web', 'ready', 100)), 100);
  const got = await collect(listen, (m) => m.length === 2);
  assert.deepEqual(got.map((m) => m.id), ['1', '2']);
  assert.deepEqual(got.map((m) => (JSON.parse(m.data) as EventRecord).type), ['waking', 'ready']);
});

test('a follower whose stream drops reconnects with Last-Event-ID and gets exactly what it missed', { timeout: 10_000 }, async (t) => {
  const { feed: f } = feed();
  let connections = 0;
  const seenLastIds: Array<string | undefined> = [];
  const server = http.createServer((req, res) => {
    connections++;
    seenLastIds.push(req.headers['last-event-id'] as string | undefined);
    void f.attach(req, res);
    // The first stream is cut after its first event; two more happen while the client is away.
    if (connections === 1) setTimeout(() => {
      res.destroy();
      f.record(ev('web', 'started', 20));
      f.record(ev('web', 'probing', 30));
    }, 100);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    f.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  f.record(ev('web', 'starting', 10));
  const statuses: boolean[] = [];
  const got: SseMessage[] = [];
  const ac = new AbortController();
  await followEvents({ listen: { host: '127.0.0.1', port: (server.address() as AddressInfo).port } }, {
    signal: ac.signal,
    backoff: { initialMs: 20, maxMs: 50 },
    onStatus: (s) => statuses.push(s.connected),
    onEvent: (m) => {
      got.push(m);
      if (got.length === 3) ac.abort();
    },
  });
  assert.deepEqual(got.map((m) => m.id), ['1', '2', '3'], 'nothing twice, nothing lost');
  assert.deepEqual(seenLastIds, [undefined, '1']);
  assert.deepEqual(statuses, [false, true]);
});

test('following a daemon that is not there fails at once instead of waiting', { timeout: 10_000 }, async () => {
  const ac = new AbortController();
  await assert.rejects(followEvents({ socket: '/nonexistent/drowse.sock' }, { signal: ac.signal, onEvent: () => undefined }), /is drowse running/);
});

test('streams over the cap get 503, and stop ends every stream and refuses new ones', { timeout: 10_000 }, async (t) => {
  const { feed: f } = feed({ maxStreams: 1 });
  const listen = await serve(t, f);
  const ended = new Promise<number>((resolve, reject) => {
    http.get({ ...listen, path: '/events', agent: false }, (res) => {
      res.resume();
      res.on('close', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
  await waitFor(() => f.streams === 1, { message: 'first stream open' });
  assert.equal(await status(listen), 503);
  f.stop();
  assert.equal(await ended, 200, 'the open stream was ended');
  assert.equal(await status(listen), 503);
});

test('the parser handles fields split across chunks, CRLF, comments and multi-line data', () => {
  const p = new SseParser();
  assert.deepEqual(p.push(': heartbeat\r\nid: 7\r\nda'), []);
  assert.deepEqual(p.push('ta: {"a":\ndata: 1}\n\n'), [{ id: '7', data: '{"a":\n1}' }]);
  assert.deepEqual(p.push('retry: 2000\n\nevent: x\ndata\n\n'), [{ event: 'x', data: '' }]);
});

test('an event reads as one line with its timing and cause', () => {
  const line = formatEventLine(JSON.stringify({ seq: 4, id: 2, service: 'db', type: 'error', at: at(0), message: 'Could not wake db', error: 'The service could not start.', cause: 'no such image', duration_ms: 3000 }));
  assert.equal(line, '2026-11-22T10:00:00.000Z db error: Could not wake db (took=3s, error="The service could not start.", cause="no such image")');
  assert.equal(formatEventLine(JSON.stringify({ service: 'web', type: 'ready', at: at(0), message: 'web is ready' })), '2026-11-22T10:00:00.000Z web ready: web is ready');
});

function status(listen: { host: string; port: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ ...listen, path: '/events', agent: false }, (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
    }).on('error', reject);
  });
}

