export { HttpEntrypoint, type DrowseSite, type HttpEntrypointOptions, type HttpRoute, type HttpService } from './server.ts';
export type { WakePolicy } from './gate.ts';
