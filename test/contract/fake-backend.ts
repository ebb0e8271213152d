import type { BackendFactory, BackendStats } from '../../src/provider/index.ts';
import type { FakeProvider } from './fake-provider.ts';

/**
 * The fake backend's factory, registered like any backend: `backends: { ...BACKENDS, fake: fakeBackend(p) }`
 * is the one registration line. Each `providers.fake` entry gets the FakeProvider of its name (and
 * that provider's feed), so the test holds the very instances the daemon uses.
 */
export function fakeBackend(providers: readonly FakeProvider[], stats: Readonly<Record<string, BackendStats>> = {}): BackendFactory {
  return (settings) => {
    const provider = providers.find((p) => p.name === settings.name);
    if (!provider) throw new Error(`fake backend: no FakeProvider named "${settings.name}"`);
    const own = stats[settings.name];
    return { provider, feed: provider.feed, ...(own ? { stats: own } : {}) };
  };
}
