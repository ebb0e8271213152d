/**
 * The event log and GET /events against a real daemon and a real container: a wake and an idle
 * sleep are written as JSON lines with their timing, the control API streams the same records
 * with ids and replays after Last-Event-ID, and `drowse events` follows them as a process.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { followEvents, type EventRecord, type SseMessage } from '../../src/control/index.ts';
import { request, startDrowse, requireDocker, ensureTestImage, runContainer, freePort, waitFor } from '../helpers/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

let image: string;
before(async () => {
  image = await ensureTestImage();
});

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-evlog-it-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function logLines(file: string): Promise<EventRecord[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as EventRecord);
}

/** Follows the control socket's /events until `until` holds (or 20 s pass). */
async function follow(socket: string, until: (got: SseMessage[]) => boolean, lastEventId?: string): Promise<SseMessage[]> {
  const got: SseMessage[] = [];
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 20_000);
  await followEvents({ socket }, {
    signal: ac.signal,
    ...(lastEventId === undefined ? {} : { lastEventId }),
    onEvent: (m) => {
      got.push(m);
      if (until(got)) ac.abort();
    },
  });
  clearTimeout(timer);
  return got;
}

const types = (recs: readonly { type: string }[]) => recs.map((r) => r.type);
const parse = (got: readonly SseMessage[]) => got.map((m) => JSON.parse(m.data) as EventRecord);

test('a wake and an idle sleep are written to the event log and streamed on /events with ids, and a reconnect replays after Last-Event-ID', { timeout: 90_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const dir = await tempDir(t);
  const port = await freePort();
  const name = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port), NAME: 'web', START_DELAY_MS: '300' }, start: false });
  const file = path.join(dir, 'log', 'events.jsonl');
  const drowse = await startDrowse(t, `event_log: { path: ${JSON.stringify(file)} }\nservices:\n  web:\n    docker: { container: ${name} }\n    http: { host: web.test, target: "http://127.0.0.1:${port}" }\n    idle_timeout: 1s\n`);

  // A follower from before the wake sees it live.
  const live = follow(drowse.controlSocket, (got) => parse(got).some((r) => r.type === 'asleep'));
  assert.equal((await request({ port: drowse.port, host: 'web.test' })).status, 200);

  const streamed = await live;
  const recs = parse(streamed);
  assert.deepEqual(types(recs), ['waking', 'starting', 'started', 'probing', 'ready', 'stopping', 'asleep']);
  assert.deepEqual(streamed.map((m) => m.id), recs.map((r) => String(r.seq)), 'each event carries its seq as the SSE id');
  assert.deepEqual(recs.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7]);
  const ready = recs.find((r) => r.type === 'ready');
  assert.ok(ready?.duration_ms !== undefined && ready.duration_ms >= 300, `ready says how long the wake took: ${ready?.duration_ms}`);
  assert.equal(recs.find((r) => r.type === 'stopping')?.reason, 'idle');
  assert.ok(recs.find((r) => r.type === 'asleep')?.duration_ms !== undefined, 'asleep says how long the stop took');

  // The log has the same records, one JSON object a line.
  await waitFor(async () => (await logLines(file)).length === 7, { timeoutMs: 5000, message: 'seven lines in the event log' });
  assert.deepEqual(await logLines(file), recs);

  // A client that saw up to seq 4 reconnects and gets exactly 5..7.
  const replayed = parse(await follow(drowse.controlSocket, (got) => got.length === 3, '4'));
  assert.deepEqual(replayed.map((r) => [r.seq, r.type]), [[5, 'ready'], [6, 'stopping'], [7, 'asleep']]);
});

test('a service discovered from labels while drowse runs has its events logged and streamed too', { timeout: 90_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const dir = await tempDir(t);
  const file = path.join(dir, 'events.jsonl');
  const drowse = await startDrowse(t, `event_log: { path: ${JSON.stringify(file)} }\nproviders:\n  docker:\n    local: { labels: true }\n`);
  const port = await freePort();
  const host = `late-${randomBytes(4).toString('hex')}.test`;
  const name = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port), NAME: 'late' }, start: false, labels: { 'drowse.enable': 'true', 'drowse.http.port': String(port), 'drowse.http.host': host } });
  await waitFor(() => drowse.daemon.service(name), { timeoutMs: 15_000, message: 'the labelled container became a service' });

  assert.equal((await request({ port: drowse.port, host })).status, 200);

  const streamed = parse(await follow(drowse.controlSocket, (got) => parse(got).some((r) => r.service === name && r.type === 'ready')));
  assert.deepEqual(types(streamed.filter((r) => r.service === name)), ['waking', 'starting', 'started', 'probing', 'ready']);
  await waitFor(async () => (await logLines(file)).some((r) => r.service === name && r.type === 'ready'), { timeoutMs: 5000, message: 'the ready of the discovered service in the event log' });
});

test('drowse events follows the daemon as a process, prints one line per event, and exits 0 on Ctrl-C', { timeout: 90_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const dir = await tempDir(t);
  const port = await freePort();
  const name = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port), NAME: 'web' }, start: false });
  const drowse = await startDrowse(t, `services:\n  web:\n    docker: { container: ${name} }\n    http: { host: web.test, target: "http://127.0.0.1:${port}" }\n`);
  const cli = path.join(dir, 'cli.yaml');
  await fs.writeFile(cli, `control: { socket: ${JSON.stringify(drowse.controlSocket)} }\n`);

  const run = (args: string[]) => {
    const child = spawn(process.execPath, [path.join(root, 'src/main.ts'), 'events', '-c', cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    t.after(() => void child.kill('SIGKILL'));
    return { child, exited, out: () => out, err: () => err };
  };
  const text = run([]);
  const json = run(['--json']);
  // Whether a follower connects before or after the wake, the replay gives it every event.
  assert.equal((await request({ port: drowse.port, host: 'web.test' })).status, 200);

  await waitFor(() => /web ready: web is ready \(took=/.test(text.out()), { timeoutMs: 15_000, message: `text follower printed ready; got:\n${text.out()}${text.err()}` });
  await waitFor(() => json.out().includes('"type":"ready"'), { timeoutMs: 15_000, message: 'json follower printed ready' });
  const lines = json.out().split('\n').filter(Boolean).map((l) => JSON.parse(l) as EventRecord);
  assert.deepEqual(types(lines).slice(0, 5), ['waking', 'starting', 'started', 'probing', 'ready']);
  assert.match(text.out().split('\n')[0] ?? '', /^\d{4}-\d\d-\d\dT\S+Z web waking: Waking web$/);

  text.child.kill('SIGINT');
  json.child.kill('SIGINT');
  assert.equal(await text.exited, 0, text.err());
  assert.equal(await json.exited, 0, json.err());
});

