export { tcpProbe, httpProbe, execProbe, ownHealthProbe, allOf, ProbeError, type Probe, type StatusRanges, type OwnHealth } from './probe.ts';
export { waitUntilReady, defaultPoll, GiveUpError, type PollOptions } from './ready.ts';
export { LivenessMonitor, type LivenessOptions, type LivenessStatus, type Monitored } from './liveness.ts';
export { checksFor, fixedUpstream, type ServiceChecks, type Upstream } from './checks.ts';
