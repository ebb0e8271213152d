// A ProxmoxProvider on a fresh PVE double, for the provider's own unit tests: both closed when the test ends.
import type { TestContext } from 'node:test';
import { silentLogger } from '../../../src/kernel/index.ts';
import { ProxmoxProvider, type ProxmoxProviderOptions } from '../../../src/provider/proxmox/index.ts';
import { PveDouble, type PveDoubleOptions } from './double.ts';

export const PVE_TOKEN_ID = 'drowse@pve!proxy';
export const PVE_SECRET = '8f1c6c1e-2b3a-4c5d-9e8f-0a1b2c3d4e5f';

/** The double (nodes pve1 and pve2, one token) and a provider trusting its CA, with fast lock polls. */
export async function pveProvider(t: TestContext, over: Partial<ProxmoxProviderOptions> = {}, double: PveDoubleOptions = {}) {
  const d = new PveDouble({ nodes: ['pve1', 'pve2'], tokens: [{ id: PVE_TOKEN_ID, secret: PVE_SECRET }], ...double });
  await d.start();
  t.after(() => d.stop());
  const settings = { name: 'pve', url: d.url, tokenId: PVE_TOKEN_ID, tokenSecret: PVE_SECRET, tls: { ca: d.certs.caFile, insecure: false }, timeoutMs: 2000 };
  const provider = new ProxmoxProvider({ ...settings, log: silentLogger(), lockPollMs: 50, ...over });
  t.after(() => provider.close());
  return { d, provider, settings };
}

/** The ref of guest `vmid`, looked for first on `location`. */
export const guestRef = (vmid: number, location = 'pve1') => ({ provider: 'pve', id: String(vmid), location });
