// Following an action to its end (the task, then status/current) through PVE's passing hiccups.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ProviderError } from '../errors.ts';
import { waitFor } from '../../../test/helpers/fakes/index.ts';
import { guestRef, pveProvider } from '../../../test/helpers/pve/index.ts';
import type { ProxmoxProviderOptions } from './proxmox-provider.ts';

const TASK_STATUS = /\/tasks\/[^/]+\/status$/;


const setup = (t: TestContext, over: Partial<ProxmoxProviderOptions> = {}) => pveProvider(t, { taskPollMs: { initial: 20, max: 100 }, ...over });
const ref = (vmid: number) => guestRef(vmid);

describe('proxmox: following an action', () => {
  for (const [status, reason] of [[503, 'Service Unavailable'], [502, 'Bad Gateway'], [504, 'Gateway Timeout'], [595, 'Connection refused'], [596, 'Connection timed out']] as const) {
    it(`a ${status} while following the start task is asked again, not the start's failure`, async (t) => {
      const { d, provider } = await setup(t);
      const guest = d.addGuest({ vmid: 101, node: 'pve1', startMs: 200 });
      d.failNext(2, status, reason, { path: TASK_STATUS });
      await provider.start(ref(101));
      assert.equal(guest.status, 'running');
      assert.equal(guest.starts, 1, 'started once');
    });
  }

  it('a connection dropped while following the task is asked again', async (t) => {
    const { d, provider } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve1', startMs: 200 });
    d.dropNext(3, { path: TASK_STATUS });
    await provider.start(ref(101));
    assert.equal(guest.status, 'running');
  });

  it('one task poll that times out is asked again', async (t) => {
    const { d, provider } = await setup(t, { timeoutMs: 300 });
    const guest = d.addGuest({ vmid: 101, node: 'pve1', startMs: 200 });
    d.delay(1000, { path: TASK_STATUS });
    const started = provider.start(ref(101));
    await waitFor(() => d.requestsTo('GET', TASK_STATUS).length > 0, { message: 'the first task poll' });
    d.delay(0, { path: TASK_STATUS });
    await started;
    assert.equal(guest.status, 'running');
  });

  it('a task PVE does not know stays a failure', async (t) => {
    const { d, provider } = await setup(t);
    d.addGuest({ vmid: 101, node: 'pve1', startMs: 200 });
    d.failNext(1, 500, 'no such task', { path: TASK_STATUS });
    await assert.rejects(provider.start(ref(101)), (err: unknown) => err instanceof ProviderError && err.reason === 'failed' && /no such task/.test(err.message));
  });

  it('transient failures end at the caller\'s deadline', async (t) => {
    const { d, provider } = await setup(t);
    d.addGuest({ vmid: 101, node: 'pve1', startMs: 200 });
    d.failNext(1000, 503, 'Service Unavailable', { path: TASK_STATUS });
    await assert.rejects(provider.start(ref(101), AbortSignal.timeout(500)), (err: unknown) => err instanceof ProviderError && err.reason === 'aborted');
  });

  it('a 503 on the status read that confirms the start is asked again', async (t) => {
    const { d, provider } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve1', startMs: 300 });
    const started = provider.start(ref(101));
    await waitFor(() => d.requestsTo('POST', /status\/start$/).length > 0, { message: 'the start POST' });
    d.failNext(2, 503, 'Service Unavailable', { path: /status\/current$/ });
    await started;
    assert.equal(guest.status, 'running');
  });
});
