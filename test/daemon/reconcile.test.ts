// Observed changes and resyncs from a backend's feed, reconciled into service states, over a FakeProvider.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { waitFor } from '../helpers/index.ts';
import { FakeProvider } from '../contract/index.ts';
import { fakeDrowse, upstream } from './harness.ts';

const service = (name: string, target: string, provider = 'local') =>
  `  ${name}:\n    docker: { provider: ${provider}, container: ${name} }\n    http: { host: ${name}.test, target: "${target}" }\n`;

describe('daemon over a fake backend: reconciliation', { timeout: 20_000 }, () => {
  it('a workload started behind drowse\'s back, once the feed reports it, makes its service ready without a start', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, `services:\n${service('app', app.target)}`, { workloads: { app: {} } });
    fake.set('app', 'running');
    await tick();
    assert.equal(drowse.daemon.service('app')?.state, 'asleep', 'nothing happens until the feed reports it');
    fake.feed.change('app');
    await waitFor(() => drowse.daemon.service('app')?.state === 'ready', { message: 'app ready' });
    assert.deepEqual(fake.starts(), []);
  });

  it('a ready service whose workload stops behind drowse\'s back falls asleep once the feed reports it', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, `services:\n${service('app', app.target)}`, { workloads: { app: {} } });
    await drowse.daemon.wake('app');
    assert.equal(drowse.daemon.service('app')?.state, 'ready');
    fake.set('app', 'stopped', 137);
    fake.feed.change('app');
    await waitFor(() => drowse.daemon.service('app')?.state === 'asleep', { message: 'app asleep' });
  });

  it('an event is not taken at its word: the state is re-read, so a replayed start of a stopped workload wakes nothing', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, `services:\n${service('app', app.target)}`, { workloads: { app: {} } });
    await waitFor(() => fake.reads('app') === 1, { message: 'the resync on connect' });
    fake.feed.change('app', 'running', 'start');
    await waitFor(() => fake.reads('app') === 2, { message: 'the event to make drowse read the workload again' });
    await tick();
    assert.equal(drowse.daemon.service('app')?.state, 'asleep');
    assert.deepEqual(fake.calls, []);
  });

  it('an event of another provider\'s workload of the same name touches nothing here', async (t) => {
    const app = await upstream(t, 'app');
    const local = new FakeProvider('local');
    const other = new FakeProvider('other');
    const { drowse } = await fakeDrowse(t, `services:\n${service('app', app.target)}`, { providers: [local, other], workloads: { app: {} } });
    other.add('app');
    await waitFor(() => local.reads('app') === 1);
    other.feed.change('app', 'running');
    other.feed.resync();
    await tick();
    assert.equal(local.reads('app'), 1);
    assert.equal(other.reads('app'), 0, 'no service of "other" is called app');
    assert.equal(drowse.daemon.service('app')?.state, 'asleep');
  });

  it('a resync re-reads every service on that provider, and only those', async (t) => {
    const up = await upstream(t, 'any');
    const local = new FakeProvider('local');
    const other = new FakeProvider('other');
    for (const id of ['a', 'b', 'c']) local.add(id);
    other.add('d');
    const yaml = `services:\n${service('a', up.target)}${service('b', up.target)}${service('c', up.target)}${service('d', up.target, 'other')}`;
    const { drowse } = await fakeDrowse(t, yaml, { providers: [local, other] });
    await waitFor(() => ['a', 'b', 'c'].every((id) => local.reads(id) === 1) && other.reads('d') === 1, { message: 'the first resyncs' });
    local.set('b', 'running');
    local.feed.resync();
    await waitFor(() => ['a', 'b', 'c'].every((id) => local.reads(id) === 2), { message: 'every local service read again' });
    await waitFor(() => drowse.daemon.service('b')?.state === 'ready', { message: 'b found running by the resync' });
    assert.equal(other.reads('d'), 1, 'the other provider\'s service is not read');
    assert.equal(drowse.daemon.service('a')?.state, 'asleep');
  });

  it('a reconnect after an outage resyncs: a workload started while the feed was down is found', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, `services:\n${service('app', app.target)}`, { workloads: { app: {} } });
    fake.feed.disconnect(new Error('fake: connection reset'));
    fake.set('app', 'running');
    fake.feed.connect();
    await waitFor(() => drowse.daemon.service('app')?.state === 'ready', { message: 'app found running' });
  });
});
