export { Service, type Dependency, type ServiceOptions, type ServiceStatus } from './service.ts';
export { transition, initialSnapshot, type ServiceState, type ServiceEvent, type Snapshot, type Effect, type SleepReason } from './state.ts';
export { WakeFailedError, WakeTimeoutError, HeldTooLongError, DependencyFailedError } from './errors.ts';
export type { WakeEvent, WakeEventType, WakeEventListener } from './events.ts';
