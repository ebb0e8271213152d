// Where a guest is, when a node of the cluster is offline (its guests 'unknown', its API 595).
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ProviderError } from '../errors.ts';
import { guestRef, pveProvider } from '../../../test/helpers/pve/index.ts';


const setup = (t: TestContext) => pveProvider(t);
const ref = guestRef;

describe('proxmox: an offline node', () => {
  it('list keeps the last known state of a guest whose node went offline, so the feed sees no change', async (t) => {
    const { d, provider } = await setup(t);
    d.addGuest({ vmid: 101, node: 'pve1', status: 'running' });
    d.addGuest({ vmid: 102, node: 'pve2' });
    assert.equal((await provider.list()).get('101'), 'running');
    d.setNodeOnline('pve1', false);
    assert.deepEqual([...(await provider.list())].sort(), [['101', 'running'], ['102', 'stopped']]);
    assert.deepEqual([...(await provider.list())].sort(), [['101', 'running'], ['102', 'stopped']], 'and on the next poll too');
  });

  it('list leaves out a guest it never saw while its node is offline, rather than call it stopped', async (t) => {
    const { d, provider } = await setup(t);
    d.addGuest({ vmid: 101, node: 'pve1', status: 'running' });
    d.addGuest({ vmid: 102, node: 'pve2', status: 'running' });
    d.setNodeOnline('pve1', false);
    assert.deepEqual([...(await provider.list())], [['102', 'running']]);
  });

  it('a guest HA moved off an offline node is found on the node the cluster names', async (t) => {
    const { d, provider } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve1' });
    await provider.list();
    d.setNodeOnline('pve1', false);
    await guest.migrate('pve2');
    await provider.start(ref(101));
    assert.equal(guest.status, 'running');
    assert.equal(guest.node, 'pve2');
  });

  it('a guest still on the offline node fails as unreachable after one look at the cluster', async (t) => {
    const { d, provider } = await setup(t);
    d.addGuest({ vmid: 101, node: 'pve1' });
    d.setNodeOnline('pve1', false);
    const before = d.requestsTo('GET', /\/cluster\/resources$/).length;
    await assert.rejects(provider.start(ref(101)), (err: unknown) => err instanceof ProviderError && err.reason === 'unreachable' && /No route to host/.test(err.message));
    assert.equal(d.requestsTo('GET', /\/cluster\/resources$/).length - before, 1, 'the cluster was asked once');
  });
});
