/**
 * The backend registry: config kind → factory. Adding a backend is its own folder under
 * provider/ plus one line here.
 */
import { ProviderError } from './errors.ts';
import type { Backend, BackendDeps, BackendRegistry, ProviderEntry } from './backend.ts';
import { createDockerBackend } from './docker/index.ts';
import { createProxmoxBackend } from './proxmox/index.ts';

export const BACKENDS: BackendRegistry = {
  docker: createDockerBackend,
  proxmox: createProxmoxBackend,
};

/** Builds the backend of one configured provider from `registry` (tests add fakes to it). */
export function createBackend(entry: ProviderEntry, deps: BackendDeps, registry: BackendRegistry = BACKENDS): Backend {
  const factory = Object.hasOwn(registry, entry.kind) ? registry[entry.kind] : undefined;
  if (!factory) {
    throw new ProviderError({
      kind: entry.kind,
      provider: entry.name,
      op: 'configure',
      reason: 'config',
      detail: `no backend of this kind (known: ${Object.keys(registry).join(', ') || 'none'})`,
    });
  }
  return factory(entry.settings, deps);
}
