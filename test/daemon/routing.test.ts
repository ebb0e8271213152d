// A request's path through the daemon over a FakeProvider: route → wake → readiness → forward.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, waitFor } from '../helpers/index.ts';
import { fakeDrowse, upstream } from './harness.ts';

describe('daemon over a fake backend: routing', { timeout: 20_000 }, () => {
  it('requests to a sleeping service wake it once and are forwarded to its upstream', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, `services:\n  app:\n    docker: { container: app }\n    http: { host: app.test, target: "${app.target}" }\n`, { workloads: { app: { startDelayMs: 50 } } });
    await waitFor(() => fake.reads('app') >= 1, { message: 'the resync on connect to read the workload' });
    assert.equal(drowse.daemon.service('app')?.state, 'asleep');

    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => request({ port: drowse.port, host: 'app.test', path: `/r${i}` })));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200]);
    assert.deepEqual(answers.map((a) => a.body), [0, 1, 2, 3, 4].map((i) => `hello from app /r${i}`));
    assert.deepEqual(fake.starts(), ['app'], 'one wake, one start');
    assert.equal(fake.stateOf('app'), 'running');
    assert.equal(drowse.daemon.service('app')?.state, 'ready');
  });

  it('a Host no service claims gets 404 and wakes nothing', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, `services:\n  app:\n    docker: { container: app }\n    http: { host: app.test, target: "${app.target}" }\n`, { workloads: { app: {} } });
    const res = await request({ port: drowse.port, host: 'other.test', path: '/' });
    assert.equal(res.status, 404);
    assert.deepEqual(fake.calls, []);
    assert.equal(app.hits, 0);
  });

  it('a wake whose start fails answers 503 with Retry-After and the service is in error', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, `services:\n  app:\n    docker: { container: app }\n    http: { host: app.test, target: "${app.target}" }\n`, { workloads: { app: { failStart: new Error('fake: out of memory') } } });
    const res = await request({ port: drowse.port, host: 'app.test', path: '/', headers: { accept: 'application/json' } });
    assert.equal(res.status, 503);
    assert.ok(res.headers['retry-after']);
    assert.equal(drowse.daemon.service('app')?.state, 'error');
    assert.deepEqual(fake.starts(), ['app']);
    assert.equal(app.hits, 0);
  });
});
