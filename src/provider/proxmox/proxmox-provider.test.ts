// The Proxmox provider against the API double: locks, migration, addresses, stubborn shutdowns.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ProviderError } from '../errors.ts';
import { capturingLogger, waitFor } from '../../../test/helpers/fakes/index.ts';
import { guestRef, pveProvider } from '../../../test/helpers/pve/index.ts';
import type { ProxmoxProviderOptions } from './proxmox-provider.ts';



const setup = (t: TestContext, over: Partial<ProxmoxProviderOptions> = {}) => pveProvider(t, { lockPollMs: 100, ...over });
const ref = guestRef;

describe('proxmox provider', () => {
  it('reads running, stopped and missing from PVE', async (t) => {
    const { d, provider } = await setup(t);
    d.addGuest({ vmid: 101, node: 'pve1', status: 'running' });
    d.addGuest({ vmid: 102, node: 'pve1' });
    assert.deepEqual(await provider.status(ref(101)), { state: 'running' });
    assert.deepEqual(await provider.status(ref(102)), { state: 'stopped' });
    assert.deepEqual(await provider.status(ref(999)), { state: 'missing' });
  });

  it('waits for a lock to clear, says why once, then starts', async (t) => {
    const log = capturingLogger();
    const { d, provider } = await setup(t, { log: log.log });
    const guest = d.addGuest({ vmid: 101, node: 'pve1', lock: 'backup' });
    const told: string[] = [];
    const started = provider.start(ref(101), undefined, ({ busy }) => told.push(busy));
    await waitFor(() => log.lines.some((l) => l.msg === 'guest is locked: waiting for the lock to clear'), { message: 'the wait to be logged' });
    assert.equal(guest.starts, 0, 'nothing was started while locked');
    await new Promise((r) => setTimeout(r, 300));
    guest.lock = undefined;
    await started;
    assert.equal(guest.status, 'running');
    const waits = log.lines.filter((l) => l.msg === 'guest is locked: waiting for the lock to clear');
    assert.equal(waits.length, 1, 'said once, not every poll');
    assert.equal(waits[0]!.lock, 'backup');
    assert.equal(waits[0]!.workload, '101');
    assert.deepEqual(told, ['backup'], 'the caller is told once why the start waits');
  });

  it('an unpause waiting on a lock ends with the caller\'s signal (a wake\'s deadline), not the provider\'s own', async (t) => {
    const { d, provider } = await setup(t);
    d.addGuest({ vmid: 101, node: 'pve1', status: 'running', lock: 'backup' });
    await assert.rejects(provider.unpause(ref(101), AbortSignal.timeout(400)), (err: unknown) => err instanceof ProviderError && err.reason === 'aborted');
  });

  it('a lock that outlasts the caller\'s budget ends the start as aborted', async (t) => {
    const { d, provider } = await setup(t);
    d.addGuest({ vmid: 101, node: 'pve1', lock: 'snapshot' });
    await assert.rejects(provider.start(ref(101), AbortSignal.timeout(400)), (err: unknown) => err instanceof ProviderError && err.reason === 'aborted');
  });

  it('finds a guest that migrated away from its configured node', async (t) => {
    const { d, provider } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve1' });
    await guest.migrate('pve2');
    await provider.start(ref(101, 'pve1'));
    assert.equal(guest.status, 'running');
    assert.equal(guest.node, 'pve2');
    assert.deepEqual(await provider.status(ref(101, 'pve1')), { state: 'running' });
  });

  it('a configured node the cluster does not have is looked past: the guest is found where it is', async (t) => {
    const { d, provider } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve2' });
    await provider.start(ref(101, 'pve9'));
    assert.equal(guest.status, 'running');
  });

  it('a POST PVE refuses because the guest is locked is retried once the lock clears', async (t) => {
    const { d, provider } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve1' });
    d.failNext(2, 500, 'CT 101 is locked (backup)', { path: /status\/start$/ });
    await provider.start(ref(101));
    assert.equal(guest.status, 'running');
    assert.equal(d.requestsTo('POST', /status\/start$/).length, 3, 'two refusals, then the start');
  });

  it('a guest the cluster does not have is not found, naming the operation', async (t) => {
    const { provider } = await setup(t);
    await assert.rejects(provider.start(ref(4242)), (err: unknown) => {
      assert.ok(err instanceof ProviderError && err.notFound, String(err));
      assert.match(err.message, /^proxmox provider "pve": start "4242": no LXC guest with vmid 4242 in the cluster/);
      return true;
    });
  });

  it('address waits out DHCP: undefined until the interface has an IPv4, then without its prefix', async (t) => {
    const { d, provider } = await setup(t);
    d.addGuest({
      vmid: 101, node: 'pve1', addressDelayMs: 400,
      interfaces: [{ name: 'lo', inet: '127.0.0.1/8' }, { name: 'eth0', inet: '127.0.0.51/24' }, { name: 'eth1', inet: '127.0.0.61/24' }],
    });
    await provider.start(ref(101));
    assert.equal(await provider.address(ref(101), {}), undefined, 'no address yet');
    assert.equal(await waitFor(() => provider.address(ref(101), {})), '127.0.0.51');
    assert.equal(await provider.address(ref(101), { interface: 'eth1' }), '127.0.0.61');
    assert.equal(await provider.address(ref(101), { interface: 'eth9' }), undefined, 'an interface it does not have');
  });

  it('a shutdown the guest ignores ends in a hard stop reported as killed', async (t) => {
    const { d, provider } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve1', status: 'running', ignoresShutdown: true });
    const started = Date.now();
    assert.deepEqual(await provider.stop(ref(101), { signal: 'SIGTERM', timeoutMs: 1000 }), { killed: true });
    assert.ok(Date.now() - started >= 900, 'waited out the grace period');
    assert.equal(guest.status, 'stopped');
    const shutdown = d.requests.find((r) => r.method === 'POST' && r.path.endsWith('/status/shutdown'));
    assert.ok(shutdown, 'asked for a shutdown first');
    assert.equal(shutdown.form.timeout, '1');
    assert.equal(shutdown.form.forceStop, '0', 'booleans are sent as 0/1, and PVE does not force it');
  });

  it('start confirms the guest runs and is idempotent; a start PVE says is redundant succeeds', async (t) => {
    const { d, provider } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve1' });
    await provider.start(ref(101));
    await provider.start(ref(101));
    assert.equal(guest.starts, 1, 'a running guest is not started again');
    await guest.setStopped();
    guest.exitstatusOnStart = 'CT 101 already running';
    await assert.rejects(provider.start(ref(101)), /PVE reports the guest stopped/, 'an OK-looking start that left it stopped is not success');
  });

  it('a start whose task ends with WARNINGS is a success', async (t) => {
    const { d, provider } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve1', startWarnings: 2 });
    await provider.start(ref(101));
    assert.equal(guest.status, 'running');
  });

  it('a failed start task is a failure carrying PVE\'s text', async (t) => {
    const { d, provider } = await setup(t);
    d.addGuest({ vmid: 101, node: 'pve1', exitstatusOnStart: 'startup for container \'101\' failed' });
    await assert.rejects(provider.start(ref(101)), (err: unknown) => {
      assert.ok(err instanceof ProviderError && err.reason === 'failed', String(err));
      assert.match(err.message, /^proxmox provider "pve": start "101": task vzstart failed: startup for container '101' failed/);
      return true;
    });
  });

  it('pause suspends and reports paused until it is resumed', async (t) => {
    const { d, provider } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve1', status: 'running' });
    await provider.pause(ref(101));
    assert.equal(guest.suspended, true);
    assert.deepEqual(await provider.status(ref(101)), { state: 'paused' });
    assert.equal((await provider.list()).get('101'), 'paused');
    await provider.unpause(ref(101));
    assert.equal(guest.resumes, 1);
    assert.deepEqual(await provider.status(ref(101)), { state: 'running' });
  });

  it('list names only LXC guests, by vmid', async (t) => {
    const { d, provider } = await setup(t);
    d.addGuest({ vmid: 101, node: 'pve1', status: 'running' });
    d.addGuest({ vmid: 102, node: 'pve2' });
    d.addGuest({ vmid: 100, node: 'pve1', type: 'qemu' });
    assert.deepEqual([...(await provider.list())].sort(), [['101', 'running'], ['102', 'stopped']]);
  });
});
