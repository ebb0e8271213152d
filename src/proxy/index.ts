export { HttpEntrypoint, DEFAULT_HTTP_LIMITS, defaultMaxConnections, type DrowseSite, type HttpEntrypointOptions, type HttpLimits, type HttpRoute, type HttpService, type WakePolicy } from './http/index.ts';
export { TcpEntrypoint, type TcpEntrypointOptions, type TcpService } from './tcp/index.ts';
export { buildEntrypoints, httpEntrypoint, httpRoutes, tcpEntrypoint, type EntrypointParts, type Entrypoints } from './entrypoints.ts';
