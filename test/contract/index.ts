// The provider contract suite every backend passes, and the fake backend that passes it too.
export { providerContract, type ProviderContractHarness, type ContractWorkloadOptions } from './provider-contract.ts';
export { FakeProvider, type FakeWorkloadOptions } from './fake-provider.ts';
export { FakeFeed } from './fake-feed.ts';
export { fakeBackend } from './fake-backend.ts';
