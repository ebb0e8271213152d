// What /status adds for operators running drowse for months: every supervised loop's state, the
// prerequisite checks, and per service its held requests and connections, bytes and source.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { controlRequest } from '../../src/control/index.ts';
import { request, waitFor } from '../helpers/index.ts';
import { fakeDrowse, upstream } from './harness.ts';

type Loop = { name: string; state: string; failures: number; last_error?: string; retry_in_ms?: number };
type Status = {
  loops: Loop[];
  prerequisites: Array<{ name: string; ok: boolean; code?: string; hint?: string }>;
  services: Array<{ name: string; state: string; source: string; held_requests: number; held_connections: number; bytes_in: number; bytes_out: number }>;
};
const yaml = (target: string) => `services:\n  app:\n    docker: { container: app }\n    http: { host: app.test, target: "${target}" }\n`;

describe('daemon over a fake backend: /status for operators', { timeout: 20_000 }, () => {
  it('shows each loop under the supervisor, a lost feed in backoff with its error, and running again once back', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, yaml(app.target), { workloads: { app: {} } });
    const status = async () => (await controlRequest({ socket: drowse.controlSocket }, 'GET', '/status')) as Status;
    const feed = () => status().then((s) => s.loops.find((l) => l.name === 'feed "local"'));
    assert.equal((await feed())?.state, 'running');
    assert.ok((await status()).loops.some((l) => l.name === 'prerequisites'), 'the prerequisite re-checks are a loop too');
    fake.feed.disconnect(new Error('fake: engine gone'));
    const lost = await feed();
    assert.deepEqual([lost?.state, lost?.last_error], ['backoff', 'fake: engine gone']);
    fake.feed.connect();
    assert.equal((await feed())?.state, 'running');
  });

  it('shows every prerequisite with its outcome; an engine that answers passes', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse } = await fakeDrowse(t, yaml(app.target), { workloads: { app: {} } });
    await waitFor(async () => ((await controlRequest({ socket: drowse.controlSocket }, 'GET', '/status')) as Status).prerequisites.some((p) => p.name === 'engine "local"'), { timeoutMs: 3000, message: 'the engine check ran' });
    const s = (await controlRequest({ socket: drowse.controlSocket }, 'GET', '/status')) as Status;
    const byName = new Map(s.prerequisites.map((p) => [p.name, p]));
    assert.equal(byName.get('engine "local"')?.ok, true);
    assert.equal(byName.get('control socket directory')?.ok, true);
    assert.ok(byName.has('open files'));
  });

  it('per service: the source, requests held while it wakes, and bytes in and out once served', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, yaml(app.target), { workloads: { app: { startDelayMs: 400 } } });
    const svc = async () => ((await controlRequest({ socket: drowse.controlSocket }, 'GET', '/status')) as Status).services.find((x) => x.name === 'app');
    assert.deepEqual([(await svc())?.source, (await svc())?.held_requests, (await svc())?.held_connections, (await svc())?.bytes_in], ['file', 0, 0, 0]);
    const pending = request({ port: drowse.port, host: 'app.test', path: '/x', headers: { accept: 'application/json' } });
    await waitFor(async () => (await svc())?.held_requests === 1, { timeoutMs: 3000, message: 'one request held' });
    const res = await pending;
    assert.equal(res.status, 200);
    await waitFor(async () => ((await svc())?.bytes_out ?? 0) > 0, { timeoutMs: 3000, message: 'bytes counted once the request ended' });
    const s = await svc();
    assert.equal(s?.held_requests, 0);
    assert.ok((s?.bytes_in ?? 0) >= 'GET /x HTTP/1.1\r\n'.length, `bytes in counts the request (${s?.bytes_in})`);
    assert.ok((s?.bytes_out ?? 0) >= res.body.length, `bytes out counts the answer (${s?.bytes_out})`);
    assert.deepEqual(fake.starts(), ['app']);
  });
});
