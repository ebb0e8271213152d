/**
 * The checks of one service, built from its config: the readiness probe (the one `health` names,
 * or the default for its entrypoints) and, when `health` names none, the workload's own
 * HEALTHCHECK, which the watcher prefers whenever the workload defines one.
 */
import type { ServiceConfig } from '../config/index.ts';
import type { Provider, WorkloadRef } from '../provider/index.ts';
import { allOf, execProbe, httpProbe, ownHealthProbe, tcpProbe, type Probe } from './probe.ts';

/** What the service watcher checks with. */
export interface ServiceChecks {
  readonly readiness: Probe;
  readonly ownHealth?: Probe;
}

/**
 * Where a service's traffic goes, read at each check: fixed by the config, or (a Proxmox guest)
 * learned from the workload while it wakes, so a check never holds on to an old address.
 */
export interface Upstream {
  /** The HTTP target's base URL, when the service has an http route. */
  http(): URL | undefined;
  /** The TCP target, when the service has a tcp route. */
  tcp(): { readonly host: string; readonly port: number } | undefined;
  /** Learns the address when the workload decides it; runs before every other check. Absent when the config fixes it. */
  readonly learn?: Probe;
}

/** The upstream of a service whose targets the config fixes. */
export function fixedUpstream(sc: ServiceConfig): Upstream {
  const url = sc.http?.target === undefined ? undefined : new URL(sc.http.target);
  return { http: () => url, tcp: () => sc.tcp?.target };
}

/** Builds the checks; `defaultTimeoutMs` applies when health sets no timeout. */
export function checksFor(sc: ServiceConfig, provider: Provider, ref: WorkloadRef, defaultTimeoutMs: number, upstream: Upstream = fixedUpstream(sc)): ServiceChecks {
  const timeout = sc.health?.timeoutMs ?? defaultTimeoutMs;
  const own = ownHealthProbe(async (signal) => (await provider.status(ref, signal)).health, timeout);
  const learned = (probe: Probe): Probe => (upstream.learn ? allOf(upstream.learn, probe) : probe);
  const probe = sc.health?.probe;
  if (!probe) return { readiness: learned(defaultProbe(sc, upstream, timeout)), ownHealth: own };
  switch (probe.kind) {
    case 'http': {
      if (!sc.http && !sc.tcp) throw new Error(`service "${sc.name}": an http probe needs an http or tcp target`);
      return {
        readiness: learned((signal) => {
          const t = targetOf(upstream);
          const base = upstream.http() ?? new URL(`http://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`);
          return httpProbe(new URL(probe.path, base), timeout, probe.expect)(signal);
        }),
      };
    }
    case 'tcp': {
      if (!sc.http && !sc.tcp) throw new Error(`service "${sc.name}": a tcp probe needs an http or tcp target`);
      return {
        readiness: learned((signal) => {
          const t = targetOf(upstream);
          return tcpProbe(t.host, t.port, timeout)(signal);
        }),
      };
    }
    case 'exec': {
      const exec = provider.exec?.bind(provider);
      if (!exec) throw new Error(`service "${sc.name}": provider "${provider.name}" cannot run exec probes`);
      return { readiness: execProbe(probe.command, (command, signal) => exec(ref, command, signal), timeout) };
    }
    case 'docker':
      return { readiness: own };
  }
}

/**
 * Without a named probe: an HTTP service's target accepts TCP, then answers HTTP with any status
 * below 500; a TCP-only service's target accepts TCP; a service with neither is ready once running.
 */
function defaultProbe(sc: ServiceConfig, upstream: Upstream, timeout: number): Probe {
  if (sc.http) {
    return (signal) => {
      const url = upstream.http();
      if (!url) return Promise.reject(new Error(`service "${sc.name}": its address is not known yet`));
      return allOf(tcpProbe(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 80), timeout), httpProbe(url, timeout))(signal);
    };
  }
  if (sc.tcp) return (signal) => {
    const t = targetOf(upstream);
    return tcpProbe(t.host, t.port, timeout)(signal);
  };
  return async () => undefined;
}

/** The address the service's traffic goes to: the TCP target, else the HTTP target's host and port. */
function targetOf(upstream: Upstream): { host: string; port: number } {
  const tcp = upstream.tcp();
  if (tcp) return tcp;
  const url = upstream.http();
  if (!url) throw new Error('the service address is not known yet');
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) };
}
