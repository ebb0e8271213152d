// Dependencies and wake budgets at the daemon level, over a FakeProvider.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from '../helpers/index.ts';
import { fakeDrowse, upstream } from './harness.ts';

describe('daemon over a fake backend: dependencies', { timeout: 20_000 }, () => {
  it('dependencies wake first, each once even in a diamond, before the service itself', async (t) => {
    const up = await upstream(t, 'any');
    const yaml = `services:
  app:
    docker: { container: app }
    http: { host: app.test, target: "${up.target}" }
    depends_on: [cache, db]
  cache:
    docker: { container: cache }
    http: { host: cache.test, target: "${up.target}" }
    depends_on: [db]
  db:
    docker: { container: db }
    http: { host: db.test, target: "${up.target}" }
`;
    const { drowse, fake } = await fakeDrowse(t, yaml, { workloads: { app: {}, cache: {}, db: { startDelayMs: 30 } } });
    const res = await request({ port: drowse.port, host: 'app.test', path: '/' });
    assert.equal(res.status, 200);
    assert.deepEqual(fake.starts(), ['db', 'cache', 'app']);
    for (const name of ['app', 'cache', 'db']) assert.equal(drowse.daemon.service(name)?.state, 'ready', name);
  });

  it('a held request waits for the whole chain: its wake budget is its own wake_timeout plus its dependencies\'', async (t) => {
    const up = await upstream(t, 'any');
    // The chain takes about 500 ms; app's own wake_timeout (300 ms) alone would answer 503.
    const yaml = `services:
  app:
    docker: { container: app }
    http: { host: app.test, target: "${up.target}" }
    depends_on: [db]
    wake_timeout: 300ms
  db:
    docker: { container: db }
    wake_timeout: 2s
`;
    const { drowse, fake } = await fakeDrowse(t, yaml, { workloads: { app: { startDelayMs: 100 }, db: { startDelayMs: 400 } } });
    const started = Date.now();
    const res = await request({ port: drowse.port, host: 'app.test', path: '/' });
    assert.equal(res.status, 200, `answered ${res.status} after ${Date.now() - started} ms`);
    assert.ok(Date.now() - started >= 500, 'the chain really took longer than app\'s own wake_timeout');
    assert.deepEqual(fake.starts(), ['db', 'app']);
  });

  it('the budget still ends the wait: a dependency slower than every wake_timeout together answers 503', async (t) => {
    const up = await upstream(t, 'any');
    const yaml = `services:
  app:
    docker: { container: app }
    http: { host: app.test, target: "${up.target}" }
    depends_on: [db]
    wake_timeout: 200ms
  db:
    docker: { container: db }
    wake_timeout: 200ms
`;
    const { drowse } = await fakeDrowse(t, yaml, { workloads: { app: {}, db: { startDelayMs: 1500 } } });
    const started = Date.now();
    const res = await request({ port: drowse.port, host: 'app.test', path: '/', headers: { accept: 'application/json' } });
    assert.equal(res.status, 503);
    const took = Date.now() - started;
    assert.ok(took >= 350 && took < 1400, `held for the 400 ms budget, not less and not until the start ended (took ${took} ms)`);
  });
});
