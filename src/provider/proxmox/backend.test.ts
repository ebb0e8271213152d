// The Proxmox backend as the daemon builds it: its poll feed over the double's /cluster/resources.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxmoxProviderConfig } from '../../config/index.ts';
import { silentLogger } from '../../kernel/index.ts';
import { RecordingObserver, waitFor } from '../../../test/helpers/fakes/index.ts';
import { PveDouble } from '../../../test/helpers/pve/index.ts';
import { BACKENDS } from '../backends.ts';
import { ProxmoxProvider } from './proxmox-provider.ts';

const TOKEN_ID = 'drowse@pve!proxy';
const SECRET = '8f1c6c1e-2b3a-4c5d-9e8f-0a1b2c3d4e5f';

async function setup(t: TestContext, waking: () => boolean = () => false, pollIntervalMs = 100) {
  const d = new PveDouble({ nodes: ['pve1', 'pve2'], tokens: [{ id: TOKEN_ID, secret: SECRET }] });
  await d.start();
  t.after(() => d.stop());
  const settings: ProxmoxProviderConfig = {
    name: 'pve', url: d.url, tokenId: TOKEN_ID, tokenSecret: SECRET, tls: { ca: d.certs.caFile, insecure: false },
    timeoutMs: 2000, pollIntervalMs, wakePollIntervalMs: 100,
  };
  const factory = BACKENDS.proxmox;
  assert.ok(factory, 'registered under its config kind');
  const backend = factory(settings, { log: silentLogger(), awake: () => [], waking });
  const observer = new RecordingObserver();
  t.after(async () => {
    await backend.feed.stop();
    (backend.provider as ProxmoxProvider).close();
  });
  return { d, backend, observer };
}

const listReads = (d: PveDouble) => d.requests.filter((r) => r.path.startsWith('/api2/json/cluster/resources')).length;

describe('proxmox backend', () => {
  it('is a provider of kind proxmox with a poll feed, and no stats or discovery', async (t) => {
    const { backend } = await setup(t);
    assert.equal(backend.provider.kind, 'proxmox');
    assert.equal(backend.provider.name, 'pve');
    assert.equal(backend.stats, undefined);
    assert.equal(backend.discovery, undefined);
  });

  it('a burst of 5xx answers on list shows the provider offline, then online again with a resync', async (t) => {
    const { d, backend, observer } = await setup(t);
    d.addGuest({ vmid: 101, node: 'pve1' });
    backend.feed.start(observer);
    await waitFor(() => observer.resyncs === 1, { message: 'the first list' });
    d.failNext(2, 500, 'proxy handler failed');
    await waitFor(() => observer.summary().includes('online:false'), { message: 'offline' });
    assert.match(backend.feed.health().lastError ?? '', /^proxmox provider "pve": list: PVE answered HTTP 500: proxy handler failed/);
    await waitFor(() => observer.resyncs === 2, { timeoutMs: 20_000, message: 'a resync once PVE answers again' });
    assert.deepEqual(observer.summary().filter((s) => s.startsWith('online')), ['online:true', 'online:false', 'online:true']);
    assert.equal(backend.feed.health().online, true);
  });

  it('reports a guest changed outside drowse', async (t) => {
    const { d, backend, observer } = await setup(t);
    const guest = d.addGuest({ vmid: 101, node: 'pve1' });
    backend.feed.start(observer);
    await waitFor(() => observer.resyncs === 1, { message: 'the first list' });
    await guest.setRunning();
    await waitFor(() => observer.events('101').some((e) => e.state === 'running' && e.provider === 'pve'), { message: 'the start seen' });
  });

  it('advises on a failed listing in Proxmox terms: a wrong secret, a missing privilege, an untrusted certificate', async (t) => {
    const d = new PveDouble({ tokens: [{ id: TOKEN_ID, secret: SECRET }, { id: 'viewer@pve!ro', secret: 'viewer-secret-01', privileges: ['Sys.Audit'] }] });
    await d.start();
    t.after(() => d.stop());
    const advice = async (over: Partial<ProxmoxProviderConfig>) => {
      const settings: ProxmoxProviderConfig = { name: 'pve', url: d.url, tokenId: TOKEN_ID, tokenSecret: SECRET, tls: { ca: d.certs.caFile, insecure: false }, timeoutMs: 2000, pollIntervalMs: 1000, wakePollIntervalMs: 100, ...over };
      const backend = BACKENDS.proxmox!(settings, { log: silentLogger(), awake: () => [] });
      t.after(() => (backend.provider as ProxmoxProvider).close());
      const err = await backend.provider.list!().then(() => undefined, (e: unknown) => e);
      return err === undefined ? 'listed' : backend.advise?.(err)?.code;
    };
    assert.equal(await advice({}), 'listed');
    assert.equal(await advice({ tokenSecret: 'wrong-secret-000' }), 'proxmox_auth_failed');
    assert.equal(await advice({ tls: { insecure: false } }), 'proxmox_tls_failed', 'the system CAs do not know the cluster CA');
    assert.equal(await advice({ url: 'https://127.0.0.1:1' }), 'proxmox_unreachable');
    // The guest list leaves out what a token may not audit; a power action is what a missing privilege refuses.
    const viewer = BACKENDS.proxmox!({ name: 'pve', url: d.url, tokenId: 'viewer@pve!ro', tokenSecret: 'viewer-secret-01', tls: { ca: d.certs.caFile, insecure: false }, timeoutMs: 2000, pollIntervalMs: 1000, wakePollIntervalMs: 100 } as ProxmoxProviderConfig, { log: silentLogger(), awake: () => [] });
    t.after(() => (viewer.provider as ProxmoxProvider).close());
    d.addGuest({ vmid: 101, node: 'pve1' });
    const refused = await viewer.provider.start({ provider: 'pve', id: '101', location: 'pve1' }).then(() => undefined, (e: unknown) => e);
    assert.equal(viewer.advise?.(refused)?.code, 'proxmox_permission_denied');
    assert.equal(viewer.advise?.(new Error('something else')), undefined, 'not a provider error: left to the general reading');
  });

  it('polls at the wake interval while a service wakes, and at the slow one otherwise', async (t) => {
    let waking = false;
    const { d, backend, observer } = await setup(t, () => waking, 60_000);
    backend.feed.start(observer);
    await waitFor(() => observer.resyncs === 1, { message: 'the first list' });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(listReads(d), 1, 'the slow interval has not passed');
    waking = true;
    await waitFor(() => listReads(d) >= 3, { timeoutMs: 3000, message: 'lists at the wake interval' });
  });
});
