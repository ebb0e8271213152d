export { tcpProbe, httpProbe, allOf, ProbeError, type Probe } from './probe.ts';
export { waitUntilReady, defaultPoll, type PollOptions } from './ready.ts';
