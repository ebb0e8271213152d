import { isIPv4, isIPv6 } from 'node:net';

/** What a "host:port" listen address must look like, said the way users write it. */
export const ADDRESS_MESSAGE = 'expected host:port like ":8080", "127.0.0.1:8080" or "[::1]:8080"';

/** A listen address split for net.Server.listen; host "" means every interface. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Splits "host:port", ":port" or "[v6]:port"; undefined when malformed or the port is outside 0-65535 (0: any free port, for tests). */
export function parseHostPort(text: string): HostPort | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  const v6 = match[1];
  if (v6 !== undefined) return isIPv6(v6) ? { host: v6, port } : undefined;
  const host = match[2] ?? '';
  const valid = host === '' || isIPv4(host) || host.split('.').every((label) => HOST_LABEL.test(label));
  return valid ? { host, port } : undefined;
}

/** host:port as people write it, with IPv6 hosts in brackets; "" (every interface) prints as ":port". */
export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
