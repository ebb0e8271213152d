export { HttpEntrypoint, DEFAULT_HTTP_LIMITS, type DrowseSite, type HttpEntrypointOptions, type HttpLimits, type HttpRoute, type HttpService } from './server.ts';
export type { WakePolicy } from './gate.ts';
export { defaultMaxConnections } from './connections.ts';
