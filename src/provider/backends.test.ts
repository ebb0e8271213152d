import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../kernel/index.ts';
import { providerEntries, type Backend, type BackendFactory } from './backend.ts';
import { BACKENDS, createBackend } from './backends.ts';
import { ProviderError } from './errors.ts';

const deps = { log: silentLogger(), awake: () => [] };

describe('backend registry', () => {
  it('flattens providers of every kind into entries, in the config order', () => {
    const entries = providerEntries({ docker: [{ name: 'local' }, { name: 'nas' }], test: [{ name: 'pve' }] });
    assert.deepEqual(entries.map((e) => `${e.kind}/${e.name}`), ['docker/local', 'docker/nas', 'test/pve']);
    assert.deepEqual(entries[2]?.settings, { name: 'pve' });
  });

  it('builds a provider with the factory registered for its kind, passing settings and deps through', () => {
    const built = { provider: { name: 'pve' } } as unknown as Backend;
    const seen: unknown[] = [];
    const factory: BackendFactory = (settings, d) => {
      seen.push(settings, d);
      return built;
    };
    const entry = { kind: 'test', name: 'pve', settings: { name: 'pve' } };
    assert.equal(createBackend(entry, deps, { ...BACKENDS, test: factory }), built);
    assert.deepEqual(seen, [{ name: 'pve' }, deps]);
  });

  it('the built-in registry builds Docker backends with a provider, a feed and stats', () => {
    assert.deepEqual(Object.keys(BACKENDS), ['docker', 'proxmox']);
    const settings = { name: 'local', socket: '/nonexistent/docker.sock', labels: false, events: 'stream', pollIntervalMs: 5000, statsIntervalMs: 1000, diskUsageIntervalMs: 60_000 };
    const backend = createBackend({ kind: 'docker', name: 'local', settings }, deps);
    assert.deepEqual([backend.provider.kind, backend.provider.name], ['docker', 'local']);
    assert.equal(backend.feed.state().state, 'stopped', 'built, not started');
    assert.equal(backend.feed.health().online, false);
    assert.ok(backend.stats);
  });

  it('a kind without a backend is a config error naming the provider and the known kinds', () => {
    assert.throws(() => createBackend({ kind: 'lxd', name: 'lab', settings: { name: 'lab' } }, deps), (err: unknown) => {
      assert.ok(err instanceof ProviderError);
      assert.equal(err.reason, 'config');
      assert.equal(err.message, 'lxd provider "lab": configure: no backend of this kind (known: docker, proxmox)');
      return true;
    });
    // Not an inherited property either: the registry is a plain map.
    assert.throws(() => createBackend({ kind: 'toString', name: 'x', settings: { name: 'x' } }, deps), ProviderError);
  });
});
