/**
 * The checks of one service, built from its config: the readiness probe (the one `health` names,
 * or the default for its entrypoints) and, when `health` names none, the workload's own
 * HEALTHCHECK, which the watcher prefers whenever the workload defines one.
 */
import { formatHostPort, type ServiceConfig } from '../config/index.ts';
import type { Provider, WorkloadRef } from '../provider/index.ts';
import { allOf, execProbe, httpProbe, ownHealthProbe, tcpProbe, type Probe } from './probe.ts';

/** What the service watcher checks with. */
export interface ServiceChecks {
  readonly readiness: Probe;
  readonly ownHealth?: Probe;
}

/** Builds the checks; `defaultTimeoutMs` applies when health sets no timeout. */
export function checksFor(sc: ServiceConfig, provider: Provider, ref: WorkloadRef, defaultTimeoutMs: number): ServiceChecks {
  const timeout = sc.health?.timeoutMs ?? defaultTimeoutMs;
  const own = ownHealthProbe(async (signal) => (await provider.status(ref, signal)).health, timeout);
  const probe = sc.health?.probe;
  if (!probe) return { readiness: defaultProbe(sc, timeout), ownHealth: own };
  switch (probe.kind) {
    case 'http': {
      const t = targetOf(sc);
      if (!t) throw new Error(`service "${sc.name}": an http probe needs an http or tcp target`);
      const base = sc.http ? new URL(sc.http.target) : new URL(`http://${formatHostPort(t)}`);
      return { readiness: httpProbe(new URL(probe.path, base), timeout, probe.expect) };
    }
    case 'tcp': {
      const t = targetOf(sc);
      if (!t) throw new Error(`service "${sc.name}": a tcp probe needs an http or tcp target`);
      return { readiness: tcpProbe(t.host, t.port, timeout) };
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
function defaultProbe(sc: ServiceConfig, timeout: number): Probe {
  if (sc.http) {
    const url = new URL(sc.http.target);
    return allOf(tcpProbe(url.hostname, Number(url.port || 80), timeout), httpProbe(url, timeout));
  }
  if (sc.tcp) return tcpProbe(sc.tcp.target.host, sc.tcp.target.port, timeout);
  return async () => undefined;
}

/** The address the service's traffic goes to: the TCP target, else the HTTP target's host and port. */
function targetOf(sc: ServiceConfig): { host: string; port: number } | undefined {
  if (sc.tcp) return sc.tcp.target;
  if (!sc.http) return undefined;
  const url = new URL(sc.http.target);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) };
}
