/**
 * Engines that come and go, and engines far away: a Docker engine stopped and restarted under a
 * running drowse (a private dockerd the test owns), and an engine reached over TCP with mutual TLS
 * (a TLS front on 127.0.0.1 before the real engine's socket, with certificates made by openssl).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile as execFileCb } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { request, startDrowse, requireDocker, ensureTestImage, runContainer, freePort, waitFor, startPrivateEngine, recordDockerEvents, dockerCli } from '../helpers/index.ts';

const execFile = promisify(execFileCb);

type Status = { providers: Array<{ name: string; online: boolean; last_error?: string; events: { state: string } }> };

// Stopping, restarting and reconnecting to a private dockerd takes a while on 2 cores.
test('after the Docker engine is stopped and started again, drowse reconnects, resyncs and wakes services again', { timeout: 240_000 }, async (t) => {
  const engine = await startPrivateEngine(t);
  if (!engine) return;
  const port = await freePort();
  const name = `drowse-test-priv-${randomBytes(4).toString('hex')}`;
  await engine.cli(['create', '--name', name, '--network', 'host', '--stop-timeout', '1', engine.image, '/bin/busybox', 'httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', '/www']);
  const drowse = await startDrowse(t, `providers:
  docker:
    priv: { socket: ${engine.socket} }
services:
  app:
    docker: { container: ${name} }
    http: { host: app.test, target: "http://127.0.0.1:${port}" }
`);
  const provider = () => (drowse.daemon.status() as Status).providers[0];
  const state = () => drowse.daemon.service('app')?.state;
  await waitFor(() => provider()?.online, { message: 'the private engine online' });

  const first = await request({ port: drowse.port, host: 'app.test', path: '/index.html' });
  assert.equal(first.status, 200);
  assert.equal(first.body, 'private engine app\n');

  await engine.stop();
  await waitFor(() => provider()?.online === false, { timeoutMs: 30_000, message: 'the engine reported offline' });
  // What drowse believed may be stale now: it says it does not know, with the provider's error.
  await waitFor(() => state() === 'unknown', { timeoutMs: 5_000, message: 'the service unknown while its engine is down' });
  assert.match(String(drowse.daemon.service('app')?.status().reason), /^provider "priv" is unreachable: /);
  // Retrying: mostly waiting out the backoff, for a moment connecting again.
  assert.match(String(provider()?.events.state), /^(backoff|running)$/);
  assert.ok(provider()?.last_error, 'the reason is kept');

  await engine.start();
  await waitFor(() => provider()?.online, { timeoutMs: 60_000, message: 'reconnected after the engine came back' });
  // The engine stopped the container on its way down (its die event may reach drowse before the
  // stream ends, or the resync on reconnect finds it; the test below isolates the resync).
  await waitFor(() => state() === 'asleep', { timeoutMs: 15_000, message: 'the container seen stopped' });

  const again = await request({ port: drowse.port, host: 'app.test', path: '/index.html' });
  assert.equal(again.status, 200, 'woken again through the restarted engine');
  assert.equal(state(), 'ready');
});

/**
 * A cut in front of the engine: a Unix socket drowse talks to, piped to the real engine's socket,
 * that the test can close (drowse loses its connection, the engine keeps running) and open again.
 */
async function cuttableEngineSocket(t: { after(fn: () => void): void }): Promise<{ socket: string; cut(): Promise<void>; restore(): Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-cut-'));
  const socket = path.join(dir, 'docker.sock');
  const open = new Set<net.Socket>();
  let server: net.Server | undefined;
  const restore = () => new Promise<void>((resolve, reject) => {
    const s = net.createServer((client) => {
      const engine = net.connect('/var/run/docker.sock');
      open.add(client).add(engine);
      client.pipe(engine).pipe(client);
      client.on('error', () => engine.destroy());
      engine.on('error', () => client.destroy());
      client.on('close', () => open.delete(client));
      engine.on('close', () => open.delete(engine));
    });
    s.once('error', reject);
    s.listen(socket, () => resolve());
    server = s;
  });
  const cut = () => new Promise<void>((resolve) => {
    for (const s of open) s.destroy();
    if (server) server.close(() => resolve());
    else resolve();
    server = undefined;
  });
  await restore();
  t.after(async () => {
    await cut();
    await fs.rm(dir, { recursive: true, force: true });
  });
  return { socket, cut, restore };
}

test('a container started while drowse was cut off from the engine is found by the resync on reconnect', { timeout: 120_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const image = await ensureTestImage();
  const port = await freePort();
  const name = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port) }, start: false });
  const engine = await cuttableEngineSocket(t);
  const drowse = await startDrowse(t, `providers:
  docker:
    local: { socket: ${engine.socket} }
services:
  web:
    docker: { container: ${name} }
    http: { host: web.test, target: "http://127.0.0.1:${port}" }
`, { offlineHoldMs: 500 });
  const provider = () => (drowse.daemon.status() as Status).providers[0];
  const state = () => drowse.daemon.service('web')?.state;
  await waitFor(() => provider()?.online, { message: 'the engine online' });
  assert.equal(state(), 'asleep');

  await engine.cut();
  await waitFor(() => provider()?.online === false, { timeoutMs: 15_000, message: 'drowse noticed the cut' });
  await dockerCli(['start', name]);
  const startedAt = Date.now();
  // On reconnect drowse replays the last 2 s of events (REPLAY_SECONDS); once the start event is
  // older than that, only the resync can tell drowse the container runs. This waits for time to pass.
  await waitFor(() => Date.now() - startedAt > 3_500, { message: 'the start event to age out of the replay window' });
  assert.equal(state(), 'unknown', 'cut off, drowse says it does not know rather than keep "asleep"');
  const held = Date.now();
  const cutOff = await request({ port: drowse.port, host: 'web.test', path: '/', headers: { accept: 'application/json' } });
  assert.equal(cutOff.status, 503, 'held for the short bound, then answered');
  assert.ok(Date.now() - held >= 400, 'held, not refused at once');
  assert.equal(cutOff.json<{ code: string }>().code, 'provider_unreachable');

  await engine.restore();
  await waitFor(() => provider()?.online, { timeoutMs: 60_000, message: 'reconnected' });
  await waitFor(() => state() === 'ready', { timeoutMs: 15_000, message: 'the resync found the container running' });
});

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
async function certificates(dir: string): Promise<Record<'ca' | 'caKey' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string>> {
  const f = (n: string) => path.join(dir, n);
  const ssl = (...args: string[]) => execFile('openssl', args, { cwd: dir });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await ssl('req', '-x509', ...key, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=drowse test CA');
  for (const [who, ext] of [['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'], ['client', 'extendedKeyUsage=clientAuth\n']] as const) {
    await fs.writeFile(f(`${who}.ext`), ext);
    await ssl('req', ...key, '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`), '-subj', `/CN=drowse test ${who}`);
    await ssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${who}.pem`), '-days', '2', '-extfile', f(`${who}.ext`));
  }
  return { ca: f('ca.pem'), caKey: f('ca.key'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

test('an engine reached over TCP with mutual TLS wakes services; without a client certificate it is reported offline', async (t) => {
  if (!(await requireDocker(t))) return;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-tls-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const certs = await certificates(dir);
  // The TLS front: client certificates required and checked against the CA, then bytes piped to the engine's socket.
  const sockets = new Set<net.Socket>();
  const front = tls.createServer({
    key: await fs.readFile(certs.serverKey), cert: await fs.readFile(certs.serverCert), ca: await fs.readFile(certs.ca),
    requestCert: true, rejectUnauthorized: true,
  }, (client) => {
    const engine = net.connect('/var/run/docker.sock');
    sockets.add(client).add(engine);
    client.pipe(engine).pipe(client);
    client.on('error', () => engine.destroy());
    engine.on('error', () => client.destroy());
  });
  front.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    front.close();
    for (const s of sockets) s.destroy();
  });
  const frontPort = (front.address() as net.AddressInfo).port;

  const image = await ensureTestImage();
  const appPort = await freePort();
  const name = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(appPort), NAME: 'remote' }, start: false });
  const events = await recordDockerEvents(t, name);
  const drowse = await startDrowse(t, `providers:
  docker:
    nas:
      url: "tcp://127.0.0.1:${frontPort}"
      tls: { ca: "${certs.ca}", cert: "${certs.clientCert}", key: "${certs.clientKey}" }
    nocert:
      url: "tcp://127.0.0.1:${frontPort}"
      tls: { ca: "${certs.ca}" }
services:
  remote:
    docker: { container: ${name}, provider: nas }
    http: { host: remote.test, target: "http://127.0.0.1:${appPort}" }
`);
  const provider = (n: string) => (drowse.daemon.status() as Status).providers.find((p) => p.name === n);

  await waitFor(() => provider('nas')?.online, { timeoutMs: 15_000, message: 'the TLS engine online' });
  const res = await request({ port: drowse.port, host: 'remote.test', path: '/over-tls' });

  assert.equal(res.status, 200);
  assert.equal(res.json<{ app: string; url: string }>().url, '/over-tls');
  assert.equal(events.count('start'), 1, 'started through the TLS engine');
  await waitFor(() => provider('nocert')?.last_error, { timeoutMs: 15_000, message: 'the engine without a client certificate refused' });
  assert.equal(provider('nocert')?.online, false);
});
