export { HttpEntrypoint, type HttpEntrypointOptions, type HttpRoute, type HttpService } from './http/index.ts';
