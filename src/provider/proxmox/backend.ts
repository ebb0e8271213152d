/**
 * Everything one Proxmox VE cluster brings: the provider and the generic poll feed over its
 * list() (PVE has no event stream an API token can follow). No stats and no discovery yet.
 */
import type { ProxmoxProviderConfig } from '../../config/index.ts';
import type { Backend, BackendAdvice, BackendDeps, ProviderSettings } from '../backend.ts';
import { ProviderError } from '../errors.ts';
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
  return { provider, feed, advise: (err) => advise(p, err), close: () => provider.close() };
}

/** What a failed listing of this cluster means, for `drowse check --probe` and the checks at start. */
function advise(p: ProxmoxProviderConfig, err: unknown): BackendAdvice | undefined {
  if (!(err instanceof ProviderError)) return undefined;
  const role = 'the role needs VM.PowerMgmt and VM.Audit on the guests (see "Proxmox VE" in the README); with privsep 1 grant it to the user and to the token';
  if (err.reason === 'denied' && err.statusCode === 403) return { code: 'proxmox_permission_denied', hint: role };
  if (err.reason === 'denied') return { code: 'proxmox_auth_failed', hint: `check token_id (${p.tokenId}) and token_secret: pveum user token list ${p.tokenId.split('!')[0] ?? ''} lists the tokens; a secret is shown only when its token is created` };
  if (/certificate|self.signed|fingerprint|tls|ssl/i.test(err.message)) {
    return { code: 'proxmox_tls_failed', hint: "set ca: to a copy of the cluster's /etc/pve/pve-root-ca.pem (and use the node name its certificate was made for), or fingerprint: the node certificate's SHA-256" };
  }
  if (err.reason === 'unreachable') return { code: 'proxmox_unreachable', hint: `check url (${p.url}) and that pveproxy runs on the node (systemctl status pveproxy); drowse keeps retrying` };
  if (err.reason === 'timeout') return { code: 'proxmox_timeout', hint: `the cluster did not answer within timeout (${p.timeoutMs} ms): is the node overloaded, or the address a black hole?` };
  if (err.reason === 'config') return { code: 'proxmox_config', hint: 'see the message: a setting of this provider cannot be used (e.g. the ca file cannot be read)' };
  return undefined;
}
