export { TcpEntrypoint, type TcpEntrypointOptions, type TcpService } from './entrypoint.ts';
