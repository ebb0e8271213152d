export type { Provider, WorkloadRef, WorkloadState, WorkloadStatus, StopOptions, WorkloadEvent, WorkloadObserver } from './provider.ts';
export { ProviderError, isNotFound, type ProviderErrorReason, type ProviderErrorInit } from './errors.ts';
