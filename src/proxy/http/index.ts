export { HttpEntrypoint, type HttpEntrypointOptions, type HttpRoute, type HttpService } from './server.ts';
