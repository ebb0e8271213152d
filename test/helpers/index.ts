// The helpers every integration test imports, through this one file (the house rule: other
// folders only via index.ts). Unit tests under src/ import the lighter ./fakes/index.ts instead.
export * from './fakes/index.ts';
export { freePort, waitForPort } from './ports.ts';
export { request, controlText, type RequestOptions, type TestResponse } from './http.ts';
export { testDocker, dockerAvailable, requireDocker, dockerSkip } from './docker.ts';
export { ensureTestImage } from './images.ts';
export { runContainer, removeContainer, containerState, dockerCli, APPS_DIR, CONTAINER_PREFIX, TEST_LABEL, TEST_RUN_LABEL, type RunContainerOptions, type TestHealthcheck, type Cleanup } from './containers.ts';
export { recordDockerEvents, type DockerEventRecorder } from './events.ts';
export { providerContract, type ProviderContractHarness, type ContractWorkloadOptions } from '../contract/index.ts';
export { startDrowse, type RunningDrowse } from './drowse.ts';
export { openEventStream, type SseEvent, type SseStream } from './sse.ts';
export { launchChromium, artifactPath, ARTIFACTS_DIR, CHROMIUM } from './browser.ts';
export { startPrivateEngine, type PrivateEngine } from './private-engine.ts';
export { bindNotifySocket, type NotifySocket, type NotifyMessage } from './notify/index.ts';
export { launchServe, type ServeProcess, type Exit } from './process.ts';
export { PveDouble, PveGuest, pveCerts, parseUpid, formatUpid, ALL_PRIVILEGES, type PveDoubleOptions, type PveTokenOptions, type PveRequestRecord, type AddGuestOptions, type GuestInterface, type PveCerts, type UpidFields } from './pve/index.ts';
