export { tcpProbe, httpProbe, allOf, ProbeError, type Probe } from './probe.ts';
export { waitUntilReady, defaultPoll, GiveUpError, type PollOptions } from './ready.ts';
