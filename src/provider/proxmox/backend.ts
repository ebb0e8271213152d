/**
 * Everything one Proxmox VE cluster brings: the provider and the generic poll feed over its
 * list() (PVE has no event stream an API token can follow). No stats and no discovery yet.
 */
import type { ProxmoxProviderConfig } from '../../config/index.ts';
import type { Backend, BackendDeps, ProviderSettings } from '../backend.ts';
import { PollFeed } from '../poll-feed.ts';
import { ProxmoxProvider } from './proxmox-provider.ts';

/** The Proxmox factory: `settings` is a `providers.proxmox.NAME` entry as the config resolved it. */
export function createProxmoxBackend(settings: ProviderSettings, deps: BackendDeps): Backend {
  const p = settings as ProxmoxProviderConfig;
  const { log, clock } = deps;
  const provider = new ProxmoxProvider({ ...p, log, ...(clock ? { clock } : {}) });
  const feed = new PollFeed({
    provider: p.name,
    kind: provider.kind,
    list: (signal) => provider.list(signal),
    // While a service wakes its guest's state is worth seeing sooner.
    intervalMs: () => (deps.waking?.() ? p.wakePollIntervalMs : p.pollIntervalMs),
    log,
    ...(clock ? { clock } : {}),
  });
  return { provider, feed };
}
