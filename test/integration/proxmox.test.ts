/**
 * The whole daemon with its real Proxmox backend, against the PVE API double over https on
 * 127.0.0.1: a "guest" whose start opens a real HTTP listener (on 127.0.0.2, its eth0) a while after
 * the start task ends, woken by a herd of requests and put to sleep when idle; a wrong token; a
 * guest started outside drowse; a backup lock during a wake; the provider's health in /status.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { Writable } from 'node:stream';
import { controlRequest } from '../../src/control/index.ts';
import { openEventStream, PveDouble, request, startDrowse, waitFor, controlText } from '../helpers/index.ts';

const TOKEN = 'drowse@pve!proxy';
const SECRET = 'c0ffee00-5ecr-e7va-1ue0-000000000001';

/** An app that listens on the guest's address only once the guest has been up for `delayMs`. */
function guestApp(t: TestContext, host: string, delayMs: number) {
  let port = 0;
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.end(`guest ${req.method} ${req.url} ${body}`));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  let timer: NodeJS.Timeout | undefined;
  const close = () => {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  };
  t.after(close);
  return {
    get port() {
      return port;
    },
    /** Finds a free port on the guest's address, then leaves it closed until the guest starts. */
    async reserve(): Promise<number> {
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      port = (server.address() as net.AddressInfo).port;
      await close();
      return port;
    },
    onStart: () => {
      timer = setTimeout(() => server.listen(port, host), delayMs);
    },
    onStop: close,
    get listening() {
      return server.listening;
    },
  };
}

async function setup(t: TestContext, opts: { secret?: string; delayMs?: number; idle?: string; extra?: string; guest?: Partial<Parameters<PveDouble['addGuest']>[0]> } = {}) {
  const d = new PveDouble({ nodes: ['pve1', 'pve2'], tokens: [{ id: TOKEN, secret: SECRET }] });
  await d.start();
  t.after(() => d.stop());
  const app = guestApp(t, '127.0.0.2', opts.delayMs ?? 700);
  await app.reserve();
  const guest = d.addGuest({
    vmid: 101,
    node: 'pve1',
    name: 'notes',
    startMs: 200,
    shutdownMs: 100,
    interfaces: [{ name: 'lo', inet: '127.0.0.1/8' }, { name: 'eth0', inet: '127.0.0.2/8' }],
    onStart: app.onStart,
    onStop: app.onStop,
    ...opts.guest,
  });
  const lines: string[] = [];
  const logTo = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const yaml = `providers:
  docker: {}
  proxmox:
    pve:
      url: "${d.url}"
      token_id: "${TOKEN}"
      token_secret: \${PVE_SECRET}
      ca: "${d.certs.caFile}"
      poll_interval: 500ms
      wake_poll_interval: 100ms
services:
  notes:
    proxmox: { node: pve1, vmid: 101 }
    http: { host: notes.test, port: ${app.port} }
    idle_timeout: ${opts.idle ?? '1h'}
    stop_timeout: 5s
    wake_timeout: 20s
${opts.extra ?? ''}`;
  const drowse = await startDrowse(t, yaml, { env: { PVE_SECRET: opts.secret ?? SECRET }, logTo });
  return { d, app, guest, drowse, lines };
}

type Status = { providers: Array<{ name: string; kind?: string; online: boolean; last_error?: string }>; services: Array<{ name: string; state: string; target?: string; reason?: string }> };
const status = (socket: string) => controlRequest({ socket }, 'GET', '/status') as Promise<Status>;
const notesIn = async (socket: string) => (await status(socket)).services.find((s) => s.name === 'notes');

describe('proxmox: the daemon against a PVE API double', { timeout: 60_000 }, () => {
  it('a herd of requests to a sleeping guest starts it once, all are served at its learned address, and it is shut down when idle', async (t) => {
    const { d, guest, drowse, app } = await setup(t, { idle: '1s' });
    await waitFor(async () => (await notesIn(drowse.controlSocket))?.state === 'asleep', { timeoutMs: 10_000, message: 'asleep after the first poll' });
    const herd = Array.from({ length: 100 }, (_, i) =>
      request({ port: drowse.port, host: 'notes.test', path: `/api/${i}`, method: i % 2 ? 'POST' : 'GET', ...(i % 2 ? { body: `body-${i}` } : {}), headers: { accept: 'application/json' }, timeoutMs: 30_000 }),
    );
    const answers = await Promise.all(herd);
    answers.forEach((a, i) => {
      assert.equal(a.status, 200, `request ${i}: ${a.body}`);
      assert.equal(a.body, i % 2 ? `guest POST /api/${i} body-${i}` : `guest GET /api/${i} `);
    });
    assert.equal(guest.starts, 1, 'one start for 100 requests');
    assert.equal(d.requestsTo('POST', /\/status\/start$/).length, 1);
    assert.equal((await notesIn(drowse.controlSocket))?.target, `http://127.0.0.2:${app.port}`);

    await waitFor(() => guest.status === 'stopped', { timeoutMs: 15_000, message: 'shut down after idle_timeout' });
    const shutdowns = d.requestsTo('POST', /\/status\/shutdown$/);
    assert.equal(shutdowns.length, 1);
    assert.deepEqual([shutdowns[0]?.form.timeout, shutdowns[0]?.form.forceStop], ['5', '0'], 'stop_timeout as the shutdown timeout; drowse kills by itself only when it runs out');
    await waitFor(async () => (await notesIn(drowse.controlSocket))?.state === 'asleep', { timeoutMs: 5000, message: 'asleep' });
    assert.equal(app.listening, false);
  });

  it('a wrong token answers 503 at once with an authentication notice; the detail names the token id and never a secret', async (t) => {
    const wrong = 'wrong-secret-0123456789';
    const { guest, drowse, lines } = await setup(t, { secret: wrong });
    const started = Date.now();
    const res = await request({ port: drowse.port, host: 'notes.test', path: '/', headers: { accept: 'application/json' } });
    assert.ok(Date.now() - started < 8000, `answered before the wake_timeout of 20 s (${Date.now() - started} ms)`);
    const body = res.json<{ code: string; detail: string }>();
    assert.equal(res.status, 503);
    assert.equal(body.code, 'provider_denied');
    assert.match(body.detail, /notes (cannot be started|could not start): its provider refused drowse's credentials/);
    assert.equal(res.body.includes(TOKEN), false, 'the public answer names no token');
    assert.equal(guest.starts, 0);
    const s = await status(drowse.controlSocket);
    const pve = s.providers.find((p) => p.name === 'pve');
    assert.equal(pve?.online, false);
    assert.match(pve?.last_error ?? '', /authentication failed for token drowse@pve!proxy/);
    const everything = JSON.stringify(s) + lines.join('');
    assert.equal(everything.includes(wrong), false, 'the secret appears nowhere: status, logs');
  });

  it('a guest started and stopped outside drowse is noticed by the poll and followed', async (t) => {
    const { guest, drowse, d } = await setup(t, { delayMs: 0 });
    await waitFor(async () => (await notesIn(drowse.controlSocket))?.state === 'asleep', { timeoutMs: 10_000, message: 'asleep' });
    await guest.setRunning();
    await waitFor(async () => (await notesIn(drowse.controlSocket))?.state === 'ready', { timeoutMs: 10_000, message: 'ready without a start by drowse' });
    assert.equal(d.requestsTo('POST', /\/status\/start$/).length, 0);
    assert.equal((await request({ port: drowse.port, host: 'notes.test', path: '/x' })).body, 'guest GET /x ');
    await guest.setStopped();
    await waitFor(async () => (await notesIn(drowse.controlSocket))?.state === 'asleep', { timeoutMs: 10_000, message: 'asleep again' });
  });

  it('a guest locked by a backup is waited for within the wake budget, and the loading page says why', async (t) => {
    const { guest, drowse } = await setup(t, { delayMs: 0 });
    await waitFor(async () => (await notesIn(drowse.controlSocket))?.state === 'asleep', { timeoutMs: 10_000, message: 'asleep' });
    guest.lock = 'backup';
    const events = await openEventStream({ port: drowse.port, host: 'notes.test' });
    t.after(() => events.close());
    const held = request({ port: drowse.port, host: 'notes.test', path: '/after-backup', headers: { accept: 'application/json' } });
    await events.until((es) => es.some((e) => e.type === 'starting' && /busy \(backup\)/.test(e.message)), 10_000);
    assert.equal(guest.starts, 0, 'nothing started while the backup runs');
    guest.lock = undefined;
    const res = await held;
    assert.equal(res.status, 200);
    assert.equal(res.body, 'guest GET /after-backup ');
  });

  it('a guest that migrated to another node is found there and started', async (t) => {
    const { guest, drowse } = await setup(t, { delayMs: 0 });
    await guest.migrate('pve2');
    const res = await request({ port: drowse.port, host: 'notes.test', path: '/moved', headers: { accept: 'application/json' } });
    assert.equal(res.status, 200);
    assert.equal(guest.node, 'pve2');
    assert.equal(guest.starts, 1);
  });

  it('a burst of 5xx answers shows the provider offline in /status and metrics, then online again', async (t) => {
    const { d, drowse } = await setup(t, { delayMs: 0 });
    await waitFor(async () => (await status(drowse.controlSocket)).providers.find((p) => p.name === 'pve')?.online === true, { timeoutMs: 10_000, message: 'online' });
    d.failNext(3, 503, 'Service Unavailable', { path: /cluster\/resources/ });
    await waitFor(async () => (await status(drowse.controlSocket)).providers.find((p) => p.name === 'pve')?.online === false, { timeoutMs: 10_000, message: 'offline' });
    const metrics = await controlText(drowse.controlSocket, '/metrics');
    assert.match(metrics, /^drowse_provider_up\{provider="pve"\} 0$/m);
    await waitFor(async () => (await status(drowse.controlSocket)).providers.find((p) => p.name === 'pve')?.online === true, { timeoutMs: 20_000, message: 'online again' });
  });
});

