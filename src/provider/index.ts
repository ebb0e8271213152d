export type { Provider, WorkloadRef, WorkloadState, WorkloadStatus, StopOptions, WorkloadEvent, WorkloadObserver } from './provider.ts';
