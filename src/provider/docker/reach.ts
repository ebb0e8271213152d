/**
 * Where drowse reaches a port inside a container, read from its inspect document. Only settings
 * that survive a stop are read (network mode, port bindings, attached networks), never addresses,
 * because a sleeping container has none and gets a new one on every start:
 * - host network: the port on 127.0.0.1;
 * - the network drowse was told it shares (`network:`): the container's name, which Docker's DNS
 *   resolves on that network;
 * - a port published on a fixed host port: that host port (on the address it is bound to);
 * - a network of its own (Compose's default): the container's name, as above.
 */
import type { ContainerInspectInfo } from 'dockerode';
import type { Reach } from '../../config/index.ts';

/** The parts of `docker inspect` the derivation reads. */
export interface ReachInspect {
  readonly Name: string;
  readonly HostConfig: Pick<ContainerInspectInfo['HostConfig'], 'NetworkMode'> & { readonly PortBindings?: unknown };
  readonly NetworkSettings: { readonly Networks?: Readonly<Record<string, unknown>> | null };
}

/** Networks every engine has, on which container names do not resolve. */
const BUILT_IN = new Set(['bridge', 'host', 'none', 'default']);

/** Where `port` of the container is reached from drowse, or why it cannot be. */
export function reachOf(info: ReachInspect, port: number, network?: string): Reach {
  const name = info.Name.replace(/^\//, '');
  const mode = info.HostConfig.NetworkMode ?? '';
  if (mode === 'host') return { host: '127.0.0.1', port };
  if (mode === 'none') return { problem: 'the container has no network (network_mode: none)' };
  if (mode.startsWith('container:')) return { problem: "the container shares another container's network; label that container instead" };
  const networks = Object.keys(info.NetworkSettings.Networks ?? {});
  if (network !== undefined) {
    if (networks.includes(network)) return { host: name, port };
    return { problem: `the container is not on network "${network}", the one drowse shares (it is on ${networks.join(', ') || 'none'}); connect it to ${network}` };
  }
  const published = bindingOf(info.HostConfig.PortBindings, port);
  if (published && 'port' in published) return published;
  const own = networks.filter((n) => !BUILT_IN.has(n));
  if (own.length > 0) return { host: name, port };
  if (published) return published;
  return { problem: `port ${port} is not published and the container is only on the default bridge network, where names do not resolve: publish it (ports: "${port}:${port}") or put it on a network drowse shares` };
}

/** The fixed host port `port/tcp` is published on; a problem when it is published on a random one. */
function bindingOf(bindings: unknown, port: number): Reach | undefined {
  if (typeof bindings !== 'object' || bindings === null) return undefined;
  const list = (bindings as Record<string, unknown>)[`${port}/tcp`];
  if (!Array.isArray(list)) return undefined;
  for (const b of list as Array<{ HostIp?: unknown; HostPort?: unknown }>) {
    const hostPort = typeof b.HostPort === 'string' ? Number(b.HostPort) : NaN;
    if (!(hostPort >= 1 && hostPort <= 65535)) continue;
    const ip = typeof b.HostIp === 'string' ? b.HostIp : '';
    // Bound to every address: loopback is one of them, and the one nothing else can intercept.
    const host = ip === '' || ip === '0.0.0.0' ? '127.0.0.1' : ip === '::' ? '::1' : ip;
    return { host, port: hostPort };
  }
  return list.length > 0 ? { problem: `port ${port} is published on a random host port, which changes on every start: give it a fixed one (ports: "${port}:${port}")` } : undefined;
}
