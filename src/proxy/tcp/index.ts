export { TcpEntrypoint, type TcpEntrypointOptions, type TcpService } from './entrypoint.ts';
export { TargetRefusedError, ClientGoneError } from './errors.ts';
