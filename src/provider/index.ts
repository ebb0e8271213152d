export type { Provider, StartProgress, WorkloadRef, WorkloadState, WorkloadStatus, StopOptions, StopReport, WorkloadEvent, WorkloadObserver } from './provider.ts';
export { ProviderError, isNotFound, type ProviderErrorReason, type ProviderErrorInit } from './errors.ts';
export { providerEntries, type Backend, type BackendAdvice, type BackendDeps, type BackendFactory, type BackendRegistry, type BackendStats, type Discovery, type DiskUsage, type MonitorStatus, type OffMonitorStatus, type ProviderEntry, type ProviderSettings, type WorkloadStats } from './backend.ts';
export { BACKENDS, createBackend } from './backends.ts';
export { HealthRecord, RECONNECT_BACKOFF, type Feed, type ProviderHealth } from './feed.ts';
export { PollFeed, type PollFeedOptions } from './poll-feed.ts';
export { guardedByLabels } from './guard.ts';
