// Reloading a running daemon over a FakeProvider: what is rebuilt in place, what is moved, what needs a restart.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort, request, waitFor } from '../helpers/index.ts';
import { fakeDrowse, upstream } from './harness.ts';

const DECLARED = 'providers:\n  docker:\n    local: {}\n';
const app = (name: string, target: string, extra = '') => `  ${name}:\n    docker: { container: ${name} }\n    http: { host: ${name}.test, target: "${target}" }\n${extra}`;

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

describe('daemon over a fake backend: reload', { timeout: 20_000 }, () => {
  it('a new HTTP address is bound before the old one is closed, and the routes come along', async (t) => {
    const up = await upstream(t, 'web');
    const { drowse } = await fakeDrowse(t, `services:\n${app('web', up.target)}`, { workloads: { web: {} } });
    const moved = await freePort();

    const status = await drowse.reloadWith(`entrypoints: { http: "127.0.0.1:${moved}" }\n${DECLARED}services:\n${app('web', up.target)}`);

    assert.equal(status.ok, true);
    assert.equal((await request({ port: moved, host: 'web.test', path: '/x' })).status, 200);
    await waitFor(async () => !(await canConnect(drowse.port)), { message: 'the old address to be closed' });
    assert.equal(drowse.daemon.httpAddress()?.port, moved);
  });

  it('settings that cannot change in place are named for a restart, and status shows the last reload', async (t) => {
    const up = await upstream(t, 'web');
    const { drowse } = await fakeDrowse(t, `services:\n${app('web', up.target)}`, { workloads: { web: {} } });

    const status = await drowse.reloadWith(`${DECLARED}limits: { held_per_service: 7 }\nservices:\n${app('web', up.target)}`);

    assert.equal(status.ok, true);
    assert.deepEqual(status.restart_needed, ['limits']);
    const last = (drowse.daemon.status() as { last_reload?: { trigger: string; ok: boolean; restart_needed?: string[] } }).last_reload;
    assert.deepEqual([last?.trigger, last?.ok, last?.restart_needed], ['api', true, ['limits']]);
  });

  it('a service changed by a reload is rebuilt; an unchanged one keeps its object and its awake state', async (t) => {
    const [a, b] = [await upstream(t, 'a'), await upstream(t, 'b')];
    const { drowse, fake } = await fakeDrowse(t, `services:\n${app('a', a.target)}${app('b', b.target)}`, { workloads: { a: {}, b: {} } });
    assert.equal((await request({ port: drowse.port, host: 'a.test', path: '/' })).status, 200);
    const before = { a: drowse.daemon.service('a'), b: drowse.daemon.service('b') };

    await drowse.reloadWith(`${DECLARED}services:\n${app('a', a.target)}${app('b', b.target, '    idle_timeout: 2h\n')}`);

    assert.equal(drowse.daemon.service('a'), before.a);
    assert.equal(drowse.daemon.service('a')?.state, 'ready');
    assert.notEqual(drowse.daemon.service('b'), before.b);
    assert.equal(drowse.daemon.service('b')?.config.idleTimeoutMs, 2 * 3600_000);
    assert.deepEqual(fake.starts(), ['a'], 'nothing was started or stopped by the reload');
  });

  it('a TCP route added by a reload is bound, and one removed is closed', async (t) => {
    const up = await upstream(t, 'db');
    const [first, second] = [await freePort(), await freePort()];
    const tcp = (listen: number) => `  db:\n    docker: { container: db }\n    tcp: { listen: "127.0.0.1:${listen}", target: "127.0.0.1:${up.port}" }\n`;
    const { drowse } = await fakeDrowse(t, `services:\n${tcp(first)}`, { workloads: { db: {} } });
    assert.equal(await canConnect(first), true);

    await drowse.reloadWith(`${DECLARED}services:\n${tcp(second)}`);

    assert.equal(await canConnect(second), true, 'the new listener');
    assert.equal(await canConnect(first), false, 'the old listener is closed');
  });

  it('a reload to a config with a problem changes nothing', async (t) => {
    const up = await upstream(t, 'web');
    const { drowse } = await fakeDrowse(t, `services:\n${app('web', up.target)}`, { workloads: { web: {} } });
    const before = drowse.daemon.service('web');

    const status = await drowse.reloadWith(`${DECLARED}services:\n${app('web', up.target, '    idle_timeout: soon\n')}`);

    assert.equal(status.ok, false);
    assert.match(status.problems?.[0] ?? '', /^test\.yaml:\d+:\d+: services\.web\.idle_timeout: expected a duration/);
    assert.equal(drowse.daemon.service('web'), before);
    assert.equal((await request({ port: drowse.port, host: 'web.test', path: '/' })).status, 200);
  });
});
