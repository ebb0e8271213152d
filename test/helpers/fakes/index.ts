// Hand-written stand-ins for failure injection (a manual clock, a fake engine, a recording
// observer, a proxy service and loopback upstreams). Unit tests import this light barrel: it loads
// no real Docker client and no daemon.
export { ManualClock, settle } from './clock.ts';
export { fakeDockerEngine, json, inspectBody, type FakeDockerEngine, type FakeRequest, type FakeHandler } from './fake-docker.ts';
export { RecordingObserver, type ObserverCall } from './observer.ts';
export { waitFor, type WaitOptions } from '../wait.ts';
export { FakeProxyService, FakeSite, echoUpstream, rawUpstream, closedPort, sendHttp, sendRaw, connectClient, capturingLogger, type Seen, type HttpAnswer } from './proxy.ts';
