/**
 * drowse under systemd's Type=notify, as systemd runs it: the real CLI in a child process with
 * NOTIFY_SOCKET (and the watchdog variables) set, talking to a real unix datagram socket bound
 * here. No Docker needed: the engine socket points nowhere, which drowse serves through.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { bindNotifySocket, freePort, launchServe, waitFor, type ServeProcess } from '../helpers/index.ts';

/** Two listeners (the HTTP entrypoint and a TCP route) on free loopback ports, one service. */
async function config(): Promise<{ yaml: string; http: number; tcp: number }> {
  const [http, tcp] = [await freePort(), await freePort()];
  const yaml = [
    `entrypoints: { http: "127.0.0.1:${http}" }`,
    'providers: { docker: { local: { socket: /nonexistent/drowse-test-docker.sock } } }',
    'services:',
    '  db:',
    '    docker: { container: drowse-test-not-there }',
    `    tcp: { listen: "127.0.0.1:${tcp}", target: "127.0.0.1:1" }`,
  ].join('\n');
  return { yaml: `${yaml}\n`, http, tcp };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopped(drowse: ServeProcess): Promise<void> {
  drowse.child.kill('SIGTERM');
  const exit = await drowse.exited;
  assert.equal(exit.code, 0, drowse.output());
}

test('READY=1 comes once every listener is bound, with a STATUS summary', { timeout: 60_000 }, async (t) => {
  const sock = await bindNotifySocket(t);
  const { yaml, http, tcp } = await config();
  const drowse = await launchServe(t, yaml, { NOTIFY_SOCKET: sock.address });

  const ready = await waitFor(() => sock.with('READY')[0], { timeoutMs: 30_000, message: 'READY=1' });
  // Checked the moment READY arrived: a unit ordered After=drowse may connect right away.
  const [httpUp, tcpUp, control] = await Promise.all([accepts(http), accepts(tcp), fs.stat(drowse.controlSocket).then(() => true, () => false)]);
  assert.deepEqual({ httpUp, tcpUp, control }, { httpUp: true, tcpUp: true, control: true });
  assert.equal(ready.fields['STATUS'], 'serving 1 service, 0 awake');
  assert.equal(sock.with('READY').length, 1);
  assert.ok(drowse.output().includes('http entrypoint listening'));
  await stopped(drowse);
});

test('SIGTERM sends STOPPING=1 before drowse exits 0', { timeout: 60_000 }, async (t) => {
  const sock = await bindNotifySocket(t);
  const { yaml } = await config();
  const drowse = await launchServe(t, yaml, { NOTIFY_SOCKET: sock.address });
  await waitFor(() => sock.with('READY').length === 1, { timeoutMs: 30_000, message: 'READY=1' });

  await stopped(drowse);
  await waitFor(() => sock.with('STOPPING').length === 1, { timeoutMs: 5_000, message: 'STOPPING=1' });
  const stopping = sock.with('STOPPING')[0];
  assert.equal(stopping?.fields['STATUS'], 'shutting down');
  assert.ok(sock.messages.indexOf(stopping!) > sock.messages.indexOf(sock.with('READY')[0]!), 'STOPPING after READY');
});

test('the watchdog is pinged at about half of WATCHDOG_USEC while drowse runs', { timeout: 60_000 }, async (t) => {
  const sock = await bindNotifySocket(t);
  const { yaml } = await config();
  // systemd sets WATCHDOG_PID to the main process; a child process cannot know its pid first, so here it is left unset (sd_watchdog_enabled accepts that).
  const drowse = await launchServe(t, yaml, { NOTIFY_SOCKET: sock.address, WATCHDOG_USEC: '400000' });
  await waitFor(() => sock.with('WATCHDOG').length >= 6, { timeoutMs: 30_000, message: 'six WATCHDOG=1 pings' });

  const at = sock.with('WATCHDOG').map((m) => m.at);
  const gaps = at.slice(1).map((a, i) => a - (at[i] ?? a)).sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)] ?? 0;
  // Half of 400 ms is 200 ms: well above 0 (no busy loop), well below the 400 ms systemd would kill at.
  assert.ok(median >= 150 && median <= 300, `median gap between pings ${median} ms (gaps ${gaps.join(', ')})`);
  await stopped(drowse);
  const count = sock.with('WATCHDOG').length;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(sock.with('WATCHDOG').length, count, 'no pings after exit');
});

test('a WATCHDOG_PID naming another process means no pings, READY still comes', { timeout: 60_000 }, async (t) => {
  const sock = await bindNotifySocket(t);
  const { yaml } = await config();
  const drowse = await launchServe(t, yaml, { NOTIFY_SOCKET: sock.address, WATCHDOG_USEC: '100000', WATCHDOG_PID: '1' });
  await waitFor(() => sock.with('READY').length === 1, { timeoutMs: 30_000, message: 'READY=1' });
  // Ten intervals' worth: a drowse that ignored WATCHDOG_PID would have pinged about twenty times.
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal(sock.with('WATCHDOG').length, 0);
  await stopped(drowse);
});

test('an abstract NOTIFY_SOCKET (@name) gets READY=1 and STOPPING=1', { timeout: 60_000 }, async (t) => {
  const sock = await bindNotifySocket(t, { abstract: true });
  const { yaml } = await config();
  const drowse = await launchServe(t, yaml, { NOTIFY_SOCKET: sock.address });
  await waitFor(() => sock.with('READY').length === 1, { timeoutMs: 30_000, message: 'READY=1 on the abstract socket' });
  await stopped(drowse);
  await waitFor(() => sock.with('STOPPING').length === 1, { timeoutMs: 5_000, message: 'STOPPING=1' });
});

test('without NOTIFY_SOCKET drowse serves, says nothing of systemd and never loads the datagram module', { timeout: 60_000 }, async (t) => {
  const { yaml, http } = await config();
  const drowse = await launchServe(t, yaml, { NOTIFY_SOCKET: undefined, WATCHDOG_USEC: '100000' });
  await waitFor(() => drowse.output().includes('control API listening'), { timeoutMs: 30_000, message: 'drowse started' });
  assert.ok(await accepts(http));
  const maps = await fs.readFile(`/proc/${drowse.pid}/maps`, 'utf8');
  assert.ok(!maps.includes('node-unix-socket'), 'the native module is not mapped into the process');
  assert.ok(!/systemd|sd_notify/i.test(drowse.output()), drowse.output());
  await stopped(drowse);
});

test('with NOTIFY_SOCKET set the native datagram module is what sends', { timeout: 60_000 }, async (t) => {
  // The counterpart of the test above: the /proc check would pass vacuously if the module were never mapped at all.
  const sock = await bindNotifySocket(t);
  const { yaml } = await config();
  const drowse = await launchServe(t, yaml, { NOTIFY_SOCKET: sock.address });
  await waitFor(() => sock.with('READY').length === 1, { timeoutMs: 30_000, message: 'READY=1' });
  const maps = await fs.readFile(`/proc/${drowse.pid}/maps`, 'utf8');
  assert.ok(maps.split('\n').some((l) => path.basename(l).startsWith('node-unix-socket.')), 'node-unix-socket is mapped');
  await stopped(drowse);
});

test('a SIGTERM while drowse is still starting waits for the start, then stops: STOPPING, never READY, exit 0', { timeout: 60_000 }, async (t) => {
  const sock = await bindNotifySocket(t);
  // An engine that accepts and never answers: start() waits (5 s) for its first listing of labelled containers.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-mute-engine-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const engine = net.createServer((c) => c.on('error', () => undefined));
  const engineSocket = path.join(dir, 'docker.sock');
  await new Promise<void>((resolve) => engine.listen(engineSocket, resolve));
  t.after(() => {
    engine.close();
    for (const c of held) c.destroy();
  });
  const held: net.Socket[] = [];
  engine.on('connection', (c) => held.push(c));
  const port = await freePort();
  const yaml = `entrypoints: { http: "127.0.0.1:${port}" }\nproviders: { docker: { local: { socket: ${engineSocket}, labels: true } } }\n`;
  const drowse = await launchServe(t, yaml, { NOTIFY_SOCKET: sock.address });
  await waitFor(() => drowse.output().includes('"msg":"control API listening"') && held.length > 0, { timeoutMs: 30_000, message: 'drowse waiting for the engine' });
  drowse.child.kill('SIGTERM');
  const exit = await drowse.exited;
  assert.deepEqual([exit.code, exit.signal], [0, null], drowse.output());
  assert.match(drowse.output(), /"msg":"drowse stopped"/);
  await waitFor(() => sock.with('STOPPING').length === 1, { timeoutMs: 5_000, message: 'STOPPING=1' });
  assert.equal(sock.with('READY').length, 0, 'never ready: it was stopping before start() was done');
});

test('a reload sends RELOADING=1 with MONOTONIC_USEC, then READY=1 again', { timeout: 60_000 }, async (t) => {
  const sock = await bindNotifySocket(t);
  const { yaml } = await config();
  const drowse = await launchServe(t, yaml, { NOTIFY_SOCKET: sock.address });
  await waitFor(() => sock.with('READY').length === 1, { timeoutMs: 30_000, message: 'READY=1' });

  drowse.child.kill('SIGHUP');

  const reloading = await waitFor(() => sock.with('RELOADING')[0], { timeoutMs: 10_000, message: 'RELOADING=1' });
  assert.match(reloading.fields['MONOTONIC_USEC'] ?? '', /^\d+$/);
  await waitFor(() => sock.with('READY').length === 2, { timeoutMs: 10_000, message: 'READY=1 after the reload' });
  assert.ok(sock.messages.indexOf(reloading) < sock.messages.indexOf(sock.with('READY')[1]!), 'READY after RELOADING');
  await stopped(drowse);
});
