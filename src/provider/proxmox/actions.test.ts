// Power actions against the API double where PVE's own rules get in the way: a shutdown holding the
// config flock, older PVE versions, lost checkpoints, a 'mounted' lock, short grace periods.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { capturingLogger, waitFor } from '../../../test/helpers/fakes/index.ts';
import { PveDouble, guestRef, pveProvider, type PveDoubleOptions } from '../../../test/helpers/pve/index.ts';
import { PveClient } from './client.ts';
import type { ProxmoxProviderOptions } from './proxmox-provider.ts';


async function setup(t: TestContext, over: Partial<ProxmoxProviderOptions> = {}, double: PveDoubleOptions = {}) {
  const { d, provider, settings } = await pveProvider(t, over, double);
  // Someone else's client (an admin in the web UI): its tasks are not drowse's.
  const admin = new PveClient(settings);
  t.after(() => admin.close());
  return { d, provider, admin };
}

const ref = guestRef;

/** Starts a shutdown outside drowse and waits until its worker holds the guest's config flock. */
async function shutdownElsewhere(d: PveDouble, admin: PveClient, vmid: number, timeout: number): Promise<string> {
  const upid = await admin.post<string>(`/nodes/pve1/lxc/${vmid}/status/shutdown`, { timeout, forceStop: false });
  await waitFor(() => d.task(upid)?.status === 'running', { message: 'the shutdown task to run' });
  return upid;
}

describe('proxmox power actions', () => {
  it('kill during a shutdown someone else started overrules it instead of failing on the config lock', async (t) => {
    const { d, provider, admin } = await setup(t, {}, { configLockTimeoutMs: 300 });
    const guest = d.addGuest({ vmid: 101, node: 'pve1', status: 'running', ignoresShutdown: true });
    const shutdown = await shutdownElsewhere(d, admin, 101, 30);
    await provider.kill(ref(101), 'SIGKILL');
    assert.equal(guest.status, 'stopped');
    assert.equal(d.task(shutdown)?.status, 'stopped', 'the shutdown was ended');
    const stops = d.requestsTo('POST', /status\/stop$/);
    assert.equal(stops.length, 1);
    assert.equal(stops[0]!.form['overrule-shutdown'], '1');
  });

  it('stop during a shutdown someone else started ends in a hard stop that overrules it', async (t) => {
    const { d, provider, admin } = await setup(t, {}, { configLockTimeoutMs: 300 });
    const guest = d.addGuest({ vmid: 101, node: 'pve1', status: 'running', ignoresShutdown: true });
    await shutdownElsewhere(d, admin, 101, 30);
    assert.deepEqual(await provider.stop(ref(101), { signal: 'SIGTERM', timeoutMs: 1000 }), { killed: true });
    assert.equal(guest.status, 'stopped');
  });

  it('on PVE before 8.1 the hard stop is sent again without overrule-shutdown, and waits out the busy config lock', async (t) => {
    const { d, provider, admin } = await setup(t, {}, { configLockTimeoutMs: 200, beforeOverruleShutdown: true });
    const guest = d.addGuest({ vmid: 101, node: 'pve1', status: 'running', ignoresShutdown: true });
    const shutdown = await shutdownElsewhere(d, admin, 101, 1);
    await provider.kill(ref(101), 'SIGKILL');
    assert.equal(guest.status, 'stopped');
    assert.equal(d.task(shutdown)?.exitstatus?.includes('lxc-stop'), true, 'the other shutdown ran out its own timeout');
    const stops = d.requestsTo('POST', /status\/stop$/);
    assert.equal(stops[0]!.form['overrule-shutdown'], '1', 'asked with it first');
    assert.ok(stops.length >= 3, `refused, then busy at least once, then done (${stops.length})`);
    assert.ok(stops.slice(1).every((r) => r.form['overrule-shutdown'] === undefined), 'then without it');
    await guest.setRunning();
    await provider.kill(ref(101), 'SIGKILL');
    assert.equal(d.requestsTo('POST', /status\/stop$/).at(-1)!.form['overrule-shutdown'], undefined, 'an old PVE is remembered');
  });

  it('unpause of a guest whose checkpoint is gone boots it afresh, saying why at warn', async (t) => {
    const log = capturingLogger();
    const { d, provider } = await setup(t, { log: log.log });
    const guest = d.addGuest({ vmid: 101, node: 'pve1', status: 'running' });
    await provider.pause(ref(101));
    guest.loseCheckpoint();
    await provider.unpause(ref(101));
    assert.equal(guest.status, 'running');
    assert.deepEqual([guest.resumes, guest.starts], [1, 1], 'resume tried, then a fresh start');
    const warn = log.lines.find((l) => l.level === 40 && /checkpoint/.test(String(l.msg)));
    assert.ok(warn, `a warning says why: ${JSON.stringify(log.lines.map((l) => l.msg))}`);
    assert.equal(warn.workload, '101');
    assert.deepEqual(await provider.status(ref(101)), { state: 'running' });
  });

  it('start of a suspended guest whose checkpoint is gone boots it afresh', async (t) => {
    const { d, provider } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve1', status: 'running' });
    await provider.pause(ref(101));
    guest.loseCheckpoint();
    await provider.start(ref(101));
    assert.equal(guest.status, 'running');
    assert.deepEqual([guest.resumes, guest.starts], [1, 1]);
  });

  it('a mounted lock does not hold up start or kill: PVE lets them pass it', async (t) => {
    const { d, provider } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve1', lock: 'mounted' });
    await provider.start(ref(101), AbortSignal.timeout(2000));
    assert.equal(guest.status, 'running');
    await provider.kill(ref(101), 'SIGKILL');
    assert.equal(guest.status, 'stopped');
  });

  it('stop of a guest with a mounted lock does not wait for it: the shutdown PVE refuses becomes the hard stop it allows', async (t) => {
    const { d, provider } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve1', status: 'running', lock: 'mounted' });
    const started = Date.now();
    assert.deepEqual(await provider.stop(ref(101), { signal: 'SIGTERM', timeoutMs: 5000 }), { killed: true });
    assert.equal(guest.status, 'stopped');
    assert.ok(Date.now() - started < 2000, 'did not wait for the lock');
  });

  it('other locks still hold up a start', async (t) => {
    const { d, provider } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve1', lock: 'backup' });
    await assert.rejects(provider.start(ref(101), AbortSignal.timeout(300)));
    assert.equal(guest.starts, 0);
  });

  for (const timeoutMs of [0, 300]) {
    it(`a grace period of ${timeoutMs} ms still gives the shutdown timeout=1, never 0`, async (t) => {
      const { d, provider } = await setup(t);
      d.addGuest({ vmid: 101, node: 'pve1', status: 'running' });
      await provider.stop(ref(101), { signal: 'SIGTERM', timeoutMs });
      assert.equal(d.requestsTo('POST', /status\/shutdown$/)[0]?.form.timeout, '1');
    });
  }
});
