/**
 * A ready service whose upstream refuses a connection (its workload died, the die event not yet
 * seen): the HTTP entrypoint asks the provider, and either holds the request through a new wake and
 * sends it once more, or answers 502. Over loopback, the refusing port freed a moment before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../kernel/index.ts';
import { closedPort, echoUpstream, FakeProxyService, FakeSite, sendHttp, waitFor } from '../../../test/helpers/fakes/index.ts';
import { HttpEntrypoint, type HttpRoute } from './server.ts';

async function entrypoint(t: { after(fn: () => unknown): void }, service: FakeProxyService, port: number, wakeTimeoutMs = 5_000) {
  const route: HttpRoute = { hosts: ['web.test'], service, target: new URL(`http://127.0.0.1:${port}`), wakeTimeoutMs, loadingPage: false, policy: { wakeFilter: { deny: [], allow: [] } } };
  const ep = new HttpEntrypoint({ host: '127.0.0.1', port: 0, routes: [route], site: new FakeSite(), log: silentLogger() });
  await ep.start();
  t.after(() => ep.stop(100));
  return { ep, port: ep.address().port };
}

const json = { accept: 'application/json' };

test('a refused request to a workload that no longer runs is held through the new wake and sent again, once', async (t) => {
  const dead = await closedPort();
  const web = new FakeProxyService();
  web.running = false;
  // What the service watcher does when the provider says the workload is gone.
  web.onConfirm = () => (web.state = 'asleep');
  const { ep, port } = await entrypoint(t, web, dead);
  const pending = sendHttp(port, { host: 'web.test', path: '/x?y', method: 'DELETE', headers: json });
  await waitFor(() => ep.held('web') === 1, { timeoutMs: 3000, message: 'held after the refusal' });
  assert.equal(web.confirms, 1);
  const up = await echoUpstream(t, dead);
  web.becomeReady();
  const res = await pending;
  assert.deepEqual([res.status, res.body], [200, 'upstream DELETE /x?y']);
  assert.equal(up.seen.length, 1);
  assert.deepEqual([up.seen[0]!.body, up.seen[0]!.headers['x-forwarded-for']], ['', '127.0.0.1']);
  assert.equal(ep.held('web'), 0);
  await waitFor(() => web.released === 1, { timeoutMs: 3000, message: 'the activity released' });
  assert.equal(web.acquired, 1, 'one request, one activity, though sent twice');
});

test('a refused request to a workload that still runs is 502 at once: the refusal is the app\'s own', async (t) => {
  const dead = await closedPort();
  const web = new FakeProxyService();
  const { ep, port } = await entrypoint(t, web, dead);
  const res = await sendHttp(port, { host: 'web.test', headers: json });
  assert.equal(res.status, 502);
  assert.equal(JSON.parse(res.body).detail, 'service "web": upstream failed: ECONNREFUSED');
  assert.deepEqual([web.confirms, web.readies, ep.held('web')], [1, 0, 0], 'asked, and never held');
});

test('a request refused again after the new wake is 502: it is sent again only once', async (t) => {
  const dead = await closedPort();
  const web = new FakeProxyService();
  web.running = false;
  const { port } = await entrypoint(t, web, dead);
  const res = await sendHttp(port, { host: 'web.test', headers: json });
  assert.equal(res.status, 502);
  assert.equal(JSON.parse(res.body).detail, 'service "web": upstream failed: ECONNREFUSED');
  assert.deepEqual([web.confirms, web.readies], [1, 1]);
});

test('a refused request with a body is 502 without asking: its body cannot be sent again', async (t) => {
  const dead = await closedPort();
  const web = new FakeProxyService();
  web.running = false;
  const { port } = await entrypoint(t, web, dead);
  const res = await sendHttp(port, { host: 'web.test', method: 'POST', body: 'data', headers: json });
  assert.equal(res.status, 502);
  assert.equal(web.confirms, 0);
});

test('a request held after a refusal gets 503 when the new wake takes longer than wake_timeout', async (t) => {
  const dead = await closedPort();
  const web = new FakeProxyService();
  web.running = false;
  web.onConfirm = () => (web.state = 'waking');
  const { ep, port } = await entrypoint(t, web, dead, 150);
  const res = await sendHttp(port, { host: 'web.test', headers: json });
  assert.deepEqual([res.status, res.headers['retry-after'], JSON.parse(res.body).detail], [503, '5', 'service "web": not ready after 150ms']);
  assert.equal(ep.held('web'), 0);
});

test('a client that leaves while held after a refusal is not sent again', async (t) => {
  const dead = await closedPort();
  const web = new FakeProxyService();
  web.running = false;
  web.onConfirm = () => (web.state = 'waking');
  const { ep, port } = await entrypoint(t, web, dead);
  const ac = new AbortController();
  const pending = sendHttp(port, { host: 'web.test', signal: ac.signal }).catch(() => 'gone');
  await waitFor(() => ep.held('web') === 1, { timeoutMs: 3000, message: 'held' });
  ac.abort();
  assert.equal(await pending, 'gone');
  await waitFor(() => ep.held('web') === 0, { timeoutMs: 1000, message: 'the hold ended with the client' });
  const up = await echoUpstream(t, dead);
  web.becomeReady();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(up.seen.length, 0);
});

test('a provider that cannot answer confirmRunning gives a 500 that says nothing of it', async (t) => {
  const dead = await closedPort();
  const web = new FakeProxyService();
  web.onConfirm = () => {
    throw new Error('engine socket /var/run/docker.sock: EACCES');
  };
  const { port } = await entrypoint(t, web, dead);
  const res = await sendHttp(port, { host: 'web.test' });
  assert.deepEqual([res.status, res.body], [500, '500 Internal Server Error: drowse failed to handle the request\n']);
});
