// The FakeProvider against the same contract suite as Docker (test/integration/docker-provider.test.ts).
import { randomBytes } from 'node:crypto';
import { FakeProvider, providerContract } from './index.ts';

providerContract('fake provider contract', async () => {
  const provider = new FakeProvider('local');
  const id = () => `fake-${randomBytes(4).toString('hex')}`;
  return {
    provider,
    signals: true,
    missingRef: () => ({ provider: 'local', id: id() }),
    workload: async (t, opts = {}) => {
      const ref = provider.add(id(), opts);
      t.after(() => provider.remove(ref.id));
      return ref;
    },
    ready: async () => {},
    // The fake's feed is driven by hand: what an engine's event stream would say, the test says.
    feed: provider.feed,
    changeOutside: async (ref, state) => {
      provider.set(ref.id, state);
      provider.feed.change(ref.id);
    },
  };
});
