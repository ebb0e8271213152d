export { DockerProvider, type DockerProviderOptions } from './docker-provider.ts';
export { createDockerClient, type DockerClientOptions, type DockerConnectionOptions } from './client.ts';
export { toProviderError } from './errors.ts';
export { statusFromInspect, sameSignal, signalNumber, stopTakesSignal } from './inspect.ts';
export { ProviderError, isNotFound, type ProviderErrorReason } from '../errors.ts';
