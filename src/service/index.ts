export { Service, type Dependency, type ServiceOptions, type ServiceStatus, type PublicServiceStatus } from './service.ts';
export { transition, initialSnapshot, type ServiceState, type ServiceEvent, type Snapshot, type Effect, type SleepReason, type WakeBackoff, defaultWakeBackoff, backoffMs } from './state.ts';
export { WakeFailedError, WakeTimeoutError, HeldTooLongError, DependencyFailedError } from './errors.ts';
export type { WakeEvent, WakeEventFields, WakeEventType, WakeEventListener } from './events.ts';
export type { CheckKind } from './wake.ts';
export { wakeFailure, stopFailure, WorkloadExitedError, WorkloadMissingError, type Failure, type FailureCode } from './failure.ts';
export { ServiceRegistry, type ServiceRegistryOptions } from './registry.ts';
export { livenessLoops } from './loops.ts';
export { ServiceUpstream, AddressUnknownError, NoAddressError } from './upstream.ts';
