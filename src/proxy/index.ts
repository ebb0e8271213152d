export { HttpEntrypoint, type DrowseSite, type HttpEntrypointOptions, type HttpRoute, type HttpService, type WakePolicy } from './http/index.ts';
export { TcpEntrypoint, type TcpEntrypointOptions, type TcpService } from './tcp/index.ts';
