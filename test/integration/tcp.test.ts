/**
 * TCP entrypoints against the real engine: a raw TCP client reaches a sleeping service on its first
 * connection (bytes sent early included), held connections are bounded and time out, and bytes —
 * not open sockets — keep a service awake unless open_keeps_awake says otherwise.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startDrowse, requireDocker, ensureTestImage, runContainer, freePort, recordDockerEvents, waitFor } from '../helpers/index.ts';

let image: string;
before(async () => {
  image = await ensureTestImage();
});

async function tcpService(t: Parameters<typeof requireDocker>[0], opts: { env?: Record<string, string>; extra?: string; tcpExtra?: string } = {}) {
  const appPort = await freePort();
  const listenPort = await freePort();
  const name = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(appPort), NAME: 'raw', ...opts.env }, start: false });
  const drowse = await startDrowse(t, `services:
  raw:
    docker: { container: ${name} }
    tcp: { listen: "127.0.0.1:${listenPort}", target: "127.0.0.1:${appPort}"${opts.tcpExtra ?? ''} }
${opts.extra ?? ''}`);
  return { name, drowse, port: listenPort };
}

/** Connects, writes `bytes` at once, and collects everything until the server closes. */
function exchange(port: number, bytes: string | Buffer, timeoutMs = 20_000): Promise<{ data: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no close within ${timeoutMs}ms`)));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    socket.on('close', () => resolve({ data: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started }));
    socket.write(bytes);
  });
}

// HTTP/1.0, so the answer is close-delimited rather than chunked and the test reads it as is.
const httpGet = (path: string) => `GET ${path} HTTP/1.0\r\nHost: raw\r\n\r\n`;
const bodyOf = (raw: string) => JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { url: string; body: string; app: string };

test('a raw TCP client reaches a sleeping service on its first connection, with the bytes it sent early', async (t) => {
  if (!(await requireDocker(t))) return;
  const { name, drowse, port } = await tcpService(t, { env: { START_DELAY_MS: '800' } });
  const events = await recordDockerEvents(t, name);
  const body = 'x'.repeat(300_000);
  const post = `POST /early HTTP/1.0\r\nHost: raw\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

  const [a, b] = await Promise.all([exchange(port, post), exchange(port, httpGet('/second'))]);

  assert.match(a.data, /^HTTP\/1\.1 200/);
  assert.equal(bodyOf(a.data).url, '/early');
  assert.equal(bodyOf(a.data).body.length, body.length, 'the early body arrived whole');
  assert.equal(bodyOf(b.data).url, '/second');
  assert.equal(events.count('start'), 1, 'one wake for both connections');
  assert.deepEqual(drowse.daemon.service('raw')?.status().entrypoints, { tcp: `127.0.0.1:${port}` });
});

test('held connections are bounded by max_held: the rest are closed at once, the held ones are served', async (t) => {
  if (!(await requireDocker(t))) return;
  const { port } = await tcpService(t, { env: { START_DELAY_MS: '1500' }, tcpExtra: ', max_held: 3' });

  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => exchange(port, httpGet(`/n/${i}`))));

  const served = results.filter((r) => r.data.startsWith('HTTP/1.1 200'));
  const refused = results.filter((r) => r.data === '');
  assert.equal(served.length, 3, 'exactly max_held connections were held and served');
  assert.equal(refused.length, 7);
  for (const r of refused) assert.ok(r.ms < 1000, `a connection over the limit is closed at once (took ${r.ms}ms)`);
});

test('a connection held past wake_timeout is closed', async (t) => {
  if (!(await requireDocker(t))) return;
  const { port } = await tcpService(t, { env: { START_DELAY_MS: '10000' }, extra: '    wake_timeout: 1s\n' });

  const r = await exchange(port, httpGet('/slow'));

  assert.equal(r.data, '');
  assert.ok(r.ms >= 900 && r.ms < 5000, `closed after wake_timeout (took ${r.ms}ms)`);
});

test('a connection held through a failed wake is closed as soon as the wake fails', async (t) => {
  if (!(await requireDocker(t))) return;
  const listenPort = await freePort();
  const name = await runContainer(t, { image, cmd: ['sh', '-c', 'sleep 1; exit 2'], start: false });
  await startDrowse(t, `services:
  raw:
    docker: { container: ${name} }
    tcp: { listen: "127.0.0.1:${listenPort}", target: "127.0.0.1:${await freePort()}" }
    wake_timeout: 60s
`);

  const r = await exchange(listenPort, httpGet('/doomed'));

  assert.equal(r.data, '');
  assert.ok(r.ms < 10_000, `closed when the container exited, not after wake_timeout (took ${r.ms}ms)`);
});

/** One keep-alive connection on which the test sends a request whenever it likes. */
function keepAliveClient(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let received = 0;
  socket.on('data', (c: Buffer) => (received += c.length));
  socket.on('error', () => undefined);
  return {
    send: (path: string) => socket.write(`GET ${path} HTTP/1.1\r\nHost: raw\r\n\r\n`),
    received: () => received,
    closed: () => socket.destroyed || socket.readableEnded,
    close: () => socket.destroy(),
  };
}

test('bytes keep a TCP service awake; an open but silent connection does not', async (t) => {
  if (!(await requireDocker(t))) return;
  const { drowse, port } = await tcpService(t, { extra: '    idle_timeout: 2s\n' });
  const state = () => drowse.daemon.service('raw')?.state;
  const client = keepAliveClient(port);
  t.after(() => client.close());

  client.send('/1');
  await waitFor(() => client.received() > 0, { message: 'the first answer' });
  // Talk every 500 ms for 4 s: twice the idle timeout, and the service stays ready throughout.
  for (let i = 0; i < 8; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(state(), 'ready', `still ready after ${(i + 1) * 500}ms of traffic`);
    client.send(`/tick/${i}`);
  }
  // Then silence with the connection open: the service sleeps about idle_timeout after the last byte.
  const silentSince = Date.now();
  await waitFor(() => state() === 'asleep', { timeoutMs: 10_000, message: 'sleep after silence' });
  const slept = Date.now() - silentSince;
  assert.ok(slept >= 1500 && slept < 6000, `slept ${slept}ms after the last byte`);
  await waitFor(() => client.closed(), { message: 'the stopped service closed the connection' });
});

test('with open_keeps_awake an open silent connection keeps the service awake until it closes', async (t) => {
  if (!(await requireDocker(t))) return;
  const { drowse, port } = await tcpService(t, { extra: '    idle_timeout: 1s\n', tcpExtra: ', open_keeps_awake: true' });
  const state = () => drowse.daemon.service('raw')?.state;
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  t.after(() => socket.destroy());
  await waitFor(() => state() === 'ready', { message: 'the connection woke the service' });

  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal(state(), 'ready', 'open for 2.5 s with idle_timeout 1s, still awake');

  socket.destroy();
  await waitFor(() => state() === 'asleep', { timeoutMs: 10_000, message: 'sleep after the connection closed' });
});

test('a service with both an HTTP and a TCP entrypoint is reached through either, woken once', async (t) => {
  if (!(await requireDocker(t))) return;
  const appPort = await freePort();
  const listenPort = await freePort();
  const name = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(appPort), NAME: 'both', START_DELAY_MS: '500' }, start: false });
  const events = await recordDockerEvents(t, name);
  const drowse = await startDrowse(t, `services:
  both:
    docker: { container: ${name} }
    http: { host: both.test, target: "http://127.0.0.1:${appPort}" }
    tcp: { listen: "127.0.0.1:${listenPort}", target: "127.0.0.1:${appPort}" }
`);

  const [viaTcp, viaHttp] = await Promise.all([
    exchange(listenPort, httpGet('/via-tcp')),
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(drowse.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.write('GET /via-http HTTP/1.0\r\nHost: both.test\r\n\r\n');
    }),
  ]);

  assert.equal(bodyOf(viaTcp.data).url, '/via-tcp');
  assert.equal(bodyOf(viaHttp).url, '/via-http');
  assert.equal(events.count('start'), 1);
  assert.deepEqual(drowse.daemon.service('both')?.status().entrypoints, { http: ['both.test'], tcp: `127.0.0.1:${listenPort}` });
});
