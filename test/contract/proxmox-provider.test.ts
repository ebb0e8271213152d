// The Proxmox provider against the shared contract suite, on the PVE API double (https on 127.0.0.1).
// A guest is shut down PVE's way, not by a chosen signal, so the signal-specific cases are skipped.
import { randomInt } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { ProxmoxProviderConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/kernel/index.ts';
import { createProxmoxBackend, type ProxmoxProvider } from '../../src/provider/proxmox/index.ts';
import { PveDouble } from '../helpers/pve/index.ts';
import { providerContract, type ProviderContractHarness } from './index.ts';

const TOKEN_ID = 'drowse@pve!proxy';
const SECRET = 'b7e3c2a1-0f9e-4d8c-a7b6-5e4d3c2b1a09';

async function proxmoxHarness(t: TestContext): Promise<ProviderContractHarness> {
  const d = new PveDouble({ nodes: ['pve1', 'pve2'], tokens: [{ id: TOKEN_ID, secret: SECRET }] });
  await d.start();
  const settings: ProxmoxProviderConfig = {
    name: 'pve', url: d.url, tokenId: TOKEN_ID, tokenSecret: SECRET, tls: { ca: d.certs.caFile, insecure: false },
    timeoutMs: 5000, pollIntervalMs: 200, wakePollIntervalMs: 100,
  };
  const backend = createProxmoxBackend(settings, { log: silentLogger(), awake: () => [] });
  const provider = backend.provider as ProxmoxProvider;
  t.after(async () => {
    await backend.feed.stop();
    provider.close();
    await d.stop();
  });
  const used = new Set<number>();
  const vmid = (): number => {
    for (;;) {
      const n = randomInt(100, 999_999);
      if (!used.has(n)) return used.add(n), n;
    }
  };
  return {
    provider,
    signals: false,
    missingRef: () => ({ provider: 'pve', id: String(vmid()), location: 'pve1' }),
    workload: async (tc, opts = {}) => {
      const guest = d.addGuest({ vmid: vmid(), node: 'pve1', ignoresShutdown: opts.ignoresSigterm ?? false });
      tc.after(() => d.removeGuest(guest.vmid));
      return { provider: 'pve', id: String(guest.vmid), location: 'pve1' };
    },
    ready: async () => {},
    feed: backend.feed,
    changeOutside: async (ref, state) => {
      const guest = d.guest(Number(ref.id));
      await (state === 'running' ? guest.setRunning() : guest.setStopped());
    },
  };
}

providerContract('proxmox provider contract', proxmoxHarness);
