import { parseHostPort } from './address.ts';
import { parseDuration, tryParseDuration } from './duration.ts';
import type { Finding, Path } from './positions.ts';
import { findCycles } from './graph.ts';
import { DEFAULT_DOCKER_SOCKET, DEFAULT_PROBE_TIMEOUT, DEFAULT_WAKE_TIMEOUT, type ConfigFile, type DefaultWakeFilterFile, type HealthFile, type ServiceFile, type ServiceWakeFilterFile } from './schema.ts';
import { closest } from './suggest.ts';
import { parseSize, tryParseSize } from './size.ts';
import type { DockerProviderConfig, ProxmoxProviderConfig, DrowseConfig, HealthConfig, LimitsConfig, ProbeConfig, ServiceConfig, WakeFilterConfig, WorkloadRefConfig } from './types.ts';
import { BUILTIN_WAKE_DENY } from './wake-filter.ts';

/**
 * Rules that span keys. They read the raw value rather than the schema's output so they run
 * even when the schema found problems elsewhere — every problem is reported in one pass.
 */
export function crossCheck(raw: unknown): Finding[] {
  const findings: Finding[] = [];
  const root = asMap(raw) ?? {};

  const control = asMap(root.control);
  if (control && control.listen !== undefined && !control.token) {
    findings.push({ path: ['control', 'listen'], message: 'a TCP control API requires token (set control.token)' });
  }
  if (control && control.listen !== undefined && control.socket !== undefined) {
    findings.push({ path: ['control', 'listen'], message: 'give either socket or listen, not both' });
  }

  const eventLog = asMap(root.event_log);
  const [maxSize, maxTotal] = [eventLog?.max_size ?? '10MB', eventLog?.max_total ?? '100MB'].map((v) => (typeof v === 'string' ? tryParseSize(v) : undefined));
  // A size the schema refuses (too small, malformed) is reported there, once.
  if (eventLog && maxSize !== undefined && maxTotal !== undefined && maxTotal >= 1000 && maxSize > maxTotal) {
    findings.push({ path: ['event_log', eventLog.max_size === undefined ? 'max_total' : 'max_size'], message: `max_size (${String(eventLog.max_size ?? '10MB')}) must not exceed max_total (${String(eventLog.max_total ?? '100MB')})` });
  }

  const providersRaw = asMap(asMap(root.providers)?.docker);
  const providers = providersRaw ? Object.keys(providersRaw) : ['local'];
  const pveRaw = asMap(asMap(root.providers)?.proxmox);
  const pveProviders = Object.keys(pveRaw ?? {});
  for (const [name, value] of Object.entries(pveRaw ?? {})) {
    const p = asMap(value);
    const pinned = ['ca', 'fingerprint'].filter((k) => p?.[k] !== undefined);
    if (p?.tls_insecure === true && pinned.length > 0) {
      findings.push({ path: ['providers', 'proxmox', name, 'tls_insecure'], message: `tls_insecure skips the certificate check that ${pinned.join(' and ')} ask${pinned.length === 1 ? 's' : ''} for; give one or the other` });
    } else if (pinned.length === 2) {
      findings.push({ path: ['providers', 'proxmox', name, 'fingerprint'], message: 'a pinned fingerprint trusts that one certificate by itself, whatever signed it; give either ca or fingerprint' });
    }
  }
  for (const [name, value] of Object.entries(providersRaw ?? {})) {
    const p = asMap(value);
    if (p?.socket !== undefined && p.url !== undefined) {
      findings.push({ path: ['providers', 'docker', name, 'url'], message: 'give either socket or url, not both' });
    }
    if (p?.tls !== undefined && p.url === undefined) {
      findings.push({ path: ['providers', 'docker', name, 'tls'], message: 'tls applies only to an engine reached by url' });
    }
  }

  const entrypoint = parseHostPort(typeof asMap(root.entrypoints)?.http === 'string' ? (asMap(root.entrypoints)?.http as string) : ':8080');
  const controlListen = typeof control?.listen === 'string' ? parseHostPort(control.listen) : undefined;
  if (controlListen && entrypoint && overlaps(controlListen, entrypoint)) {
    findings.push({ path: ['control', 'listen'], message: `${String(control?.listen)} is also the HTTP entrypoint` });
  }
  const defaults = asMap(root.defaults);
  const claimed = new Map<string, string>();
  const containers = new Map<string, string>();
  // By port, so each listen address is compared only with those that could collide: linear in services.
  const listens = new Map<number, Array<[string, { host: string; port: number }]>>();
  for (const [name, value] of Object.entries(asMap(root.services) ?? {})) {
    const service = asMap(value);
    if (!service) continue;
    const target = asMap(service.http)?.target;
    if (entrypoint && typeof target === 'string' && targetsDrowse(target, entrypoint)) {
      findings.push({ path: ['services', name, 'http', 'target'], message: `target ${target} is drowse's own HTTP entrypoint; point it at the app` });
    }
    const docker = asMap(service.docker);
    const guest = asMap(service.proxmox);
    findings.push(...guestFindings(name, service, guest, pveProviders));
    if (service.docker === undefined && service.proxmox === undefined) {
      findings.push({ path: ['services', name], message: 'a service needs a workload: docker { container } or proxmox { node, vmid }', at: 'key' });
    } else if (service.docker !== undefined && service.proxmox !== undefined) {
      findings.push({ path: ['services', name, 'proxmox'], message: 'give either docker or proxmox, not both', at: 'key' });
    } else if (service.docker === undefined) {
      // A guest: its own checks are in guestFindings.
    } else if (docker && typeof docker.provider === 'string' && !providers.includes(docker.provider)) {
      const known = providers.length > 0 ? ` (known: ${providers.join(', ')})` : '';
      findings.push({ path: ['services', name, 'docker', 'provider'], message: `unknown docker provider "${docker.provider}"${known}` });
    } else if (docker && docker.provider === undefined && providers.length === 0) {
      findings.push({ path: ['services', name, 'docker'], message: 'no docker provider is configured (providers.docker is empty)' });
    }
    if (docker && typeof docker.container === 'string') {
      const workload = `docker\0${typeof docker.provider === 'string' ? docker.provider : providers[0]}\0${docker.container}`;
      const owner = containers.get(workload);
      if (owner === undefined) containers.set(workload, name);
      else findings.push({ path: ['services', name, 'docker', 'container'], message: `container "${docker.container}" is already the workload of service "${owner}"; give one service both routes` });
    }
    if (guest && typeof guest.vmid === 'number') {
      const workload = `proxmox\0${typeof guest.provider === 'string' ? guest.provider : pveProviders[0]}\0${guest.vmid}`;
      const owner = containers.get(workload);
      if (owner === undefined) containers.set(workload, name);
      else findings.push({ path: ['services', name, 'proxmox', 'vmid'], message: `guest ${guest.vmid} is already the workload of service "${owner}"; give one service both routes` });
    }
    for (const route of ['http', 'tcp'] as const) findings.push(...upstreamFindings(name, route, asMap(service[route]), guest !== undefined));
    const healthMap = asMap(service.health);
    if (healthMap) findings.push(...wakeShorterThanProbe(name, service, healthMap, defaults));
    if (healthMap) {
      const kinds = ['http', 'tcp', 'exec', 'docker'].filter((k) => healthMap[k] !== undefined);
      if (kinds.length > 1) findings.push({ path: ['services', name, 'health', kinds[1] ?? ''], message: `give one probe, not ${kinds.join(' and ')}`, at: 'key' });
      const probe = kinds[0];
      if ((probe === 'http' || probe === 'tcp') && service.http === undefined && service.tcp === undefined) {
        findings.push({ path: ['services', name, 'health', probe], message: `${probe === "http" ? "an http" : "a tcp"} probe checks the service's target; this service has neither http nor tcp`, at: 'key' });
      }
    }
    const tcpListen = asMap(service.tcp)?.listen;
    const tcpAddress = typeof tcpListen === 'string' ? parseHostPort(tcpListen) : undefined;
    if (tcpAddress) {
      const path: Path = ['services', name, 'tcp', 'listen'];
      if (entrypoint && overlaps(tcpAddress, entrypoint)) findings.push({ path, message: `${tcpListen} is also the HTTP entrypoint` });
      else if (controlListen && overlaps(tcpAddress, controlListen)) findings.push({ path, message: `${tcpListen} is also the control API address` });
      let samePort = listens.get(tcpAddress.port);
      if (!samePort) listens.set(tcpAddress.port, (samePort = []));
      const other = samePort.find(([, a]) => overlaps(a, tcpAddress));
      if (other) findings.push({ path, message: `${tcpListen} is already the tcp listen address of service "${other[0]}"` });
      else samePort.push([name, tcpAddress]);
    }
    for (const [host, path] of hostsOf(service, name)) {
      const owner = claimed.get(host);
      if (owner === undefined) claimed.set(host, name);
      else if (owner !== name) findings.push({ path, message: `host "${host}" is already claimed by service "${owner}"` });
    }
  }
  findings.push(...dependencyFindings(asMap(root.services) ?? {}));
  return findings;
}

/** A guest's provider must exist; `interface` only means something when an address is derived. */
function guestFindings(name: string, service: Record<string, unknown>, guest: Record<string, unknown> | undefined, pveProviders: readonly string[]): Finding[] {
  if (!guest) return [];
  const findings: Finding[] = [];
  if (typeof guest.provider === 'string' && !pveProviders.includes(guest.provider)) {
    const known = pveProviders.length > 0 ? ` (known: ${pveProviders.join(', ')})` : '';
    findings.push({ path: ['services', name, 'proxmox', 'provider'], message: `unknown proxmox provider "${guest.provider}"${known}` });
  } else if (guest.provider === undefined && pveProviders.length === 0) {
    findings.push({ path: ['services', name, 'proxmox'], message: 'no proxmox provider is configured (add one under providers.proxmox)' });
  }
  const probe = ['docker', 'exec'].find((k) => asMap(service.health)?.[k] !== undefined);
  if (probe !== undefined) {
    findings.push({ path: ['services', name, 'health', probe], message: `${probe === 'docker' ? "a docker probe reads a container's HEALTHCHECK" : 'an exec probe runs inside a container'}; a Proxmox guest is checked with http or tcp`, at: 'key' });
  }
  const derives = ['http', 'tcp'].some((r) => asMap(service[r])?.port !== undefined);
  if (guest.interface !== undefined && !derives) {
    findings.push({ path: ['services', name, 'proxmox', 'interface'], message: 'interface picks the address a port applies to; give http.port or tcp.port, or drop it' });
  }
  return findings;
}

/** A route names target or (for a guest, whose address is learned at each wake) port: exactly one. */
function upstreamFindings(name: string, route: 'http' | 'tcp', block: Record<string, unknown> | undefined, guest: boolean): Finding[] {
  if (!block) return [];
  const path: Path = ['services', name, route];
  if (block.target !== undefined && block.port !== undefined) return [{ path: [...path, 'port'], message: 'give either target or port, not both' }];
  if (block.port !== undefined && !guest) {
    return [{ path: [...path, 'port'], message: "port derives the target from a Proxmox guest's address; give target for a docker container" }];
  }
  if (block.target === undefined && block.port === undefined) {
    return [{ path, message: guest ? "needs target, or port on the guest's own address" : 'needs target, the URL requests are forwarded to', at: 'key' }];
  }
  return [];
}

/**
 * A wake that ends no later than one probe attempt could: the first slow check is cut by the
 * wake's deadline, never by its own timeout, so the service can only wake when it is fast.
 */
function wakeShorterThanProbe(name: string, service: Record<string, unknown>, health: Record<string, unknown>, defaults: Record<string, unknown> | undefined): Finding[] {
  const own = typeof service.wake_timeout === 'string' ? service.wake_timeout : undefined;
  const inherited = typeof defaults?.wake_timeout === 'string' ? defaults.wake_timeout : undefined;
  const wake = own ?? inherited ?? DEFAULT_WAKE_TIMEOUT;
  const timeout = typeof health.timeout === 'string' ? health.timeout : DEFAULT_PROBE_TIMEOUT;
  const [wakeMs, timeoutMs] = [tryParseDuration(wake), tryParseDuration(timeout)];
  // A malformed duration is reported where it stands.
  if (wakeMs === undefined || timeoutMs === undefined || wakeMs > timeoutMs) return [];
  const why = 'or a wake ends before its first check';
  if (own !== undefined) return [{ path: ['services', name, 'wake_timeout'], message: `must be longer than health.timeout (${timeout}), ${why}` }];
  const from = `${wake} ${inherited === undefined ? 'by default' : 'from defaults'}`;
  if (typeof health.timeout === 'string') return [{ path: ['services', name, 'health', 'timeout'], message: `must be shorter than wake_timeout (${from}), ${why}` }];
  return [{ path: ['services', name, 'health'], message: `health.timeout (${timeout} by default) must be shorter than wake_timeout (${from}), ${why}`, at: 'key' }];
}

/** depends_on naming a service that does not exist, the service itself, or closing a cycle of any length. */
function dependencyFindings(services: Record<string, unknown>): Finding[] {
  const findings: Finding[] = [];
  const edges = new Map<string, string[]>();
  const names = Object.keys(services);
  // Suggestions compare a name with every service: a budget keeps thousands of typos linear.
  const budget = { comparisons: 100_000 };
  for (const [name, value] of Object.entries(services)) {
    const raw = asMap(value)?.depends_on;
    // Each name with its index in the list as written, so a problem points at that entry even after one that is no name.
    const list: Array<[string, number]> = typeof raw === 'string' ? [[raw, 0]] : Array.isArray(raw) ? raw.flatMap((d, i): Array<[string, number]> => (typeof d === 'string' ? [[d, i]] : [])) : [];
    const at = (i: number): Path => (typeof raw === 'string' ? ['services', name, 'depends_on'] : ['services', name, 'depends_on', i]);
    const valid: string[] = [];
    list.forEach(([dep, i]) => {
      if (dep === name) findings.push({ path: at(i), message: `service "${name}" cannot depend on itself` });
      else if (!Object.hasOwn(services, dep)) findings.push({ path: at(i), message: `unknown service "${dep}"${knownServices(dep, name, names, budget)}` });
      else valid.push(dep);
    });
    edges.set(name, valid);
  }
  // Each cycle is reported once, at the depends_on of its first service in file order.
  for (const cycle of findCycles(edges)) {
    findings.push({ path: ['services', cycle[0] ?? '', 'depends_on'], message: `dependency cycle: ${cycle.join(' → ')}` });
  }
  return findings;
}

/**
 * A hint after "unknown service": the near name while the budget lasts, else the list when it is
 * short, so a file of thousands of services with as many typos is still checked in linear time and space.
 */
function knownServices(dep: string, self: string, names: readonly string[], budget: { comparisons: number }): string {
  budget.comparisons -= names.length;
  const near = budget.comparisons >= 0 ? closest(dep, names.filter((n) => n !== self)) : undefined;
  if (near !== undefined) return ` (did you mean "${near}"?)`;
  const known = names.length <= 10 ? names.filter((n) => n !== self) : [];
  return known.length > 0 ? ` (known: ${known.join(', ')})` : '';
}

/** DrowseConfig from a file that passed the schema and crossCheck, with warnings worth logging. */
export function resolve(file: ConfigFile, source: string): { config: DrowseConfig; warnings: Finding[] } {
  const warnings: Finding[] = [];
  const providers = Object.entries(file.providers.docker).map(([name, p]): DockerProviderConfig => {
    return {
      name,
      ...(p.url === undefined ? { socket: p.socket ?? DEFAULT_DOCKER_SOCKET } : { url: p.url }),
      ...(p.tls ? { tls: { ...p.tls } } : {}),
      labels: p.labels,
      ...(p.network === undefined ? {} : { network: p.network }),
      events: p.events,
      pollIntervalMs: parseDuration(p.poll_interval),
      statsIntervalMs: parseDuration(p.stats_interval),
      diskUsageIntervalMs: parseDuration(p.disk_usage_interval),
    };
  });

  const proxmox = Object.entries(file.providers.proxmox).map(([name, p]): ProxmoxProviderConfig => ({
    name,
    url: p.url.replace(/\/$/, ''),
    tokenId: p.token_id,
    tokenSecret: p.token_secret,
    tls: { ...(p.ca === undefined ? {} : { ca: p.ca }), ...(p.fingerprint === undefined ? {} : { fingerprint: p.fingerprint.toUpperCase() }), insecure: p.tls_insecure },
    timeoutMs: parseDuration(p.timeout),
    pollIntervalMs: parseDuration(p.poll_interval),
    wakePollIntervalMs: parseDuration(p.wake_poll_interval),
  }));
  for (const p of proxmox) {
    if (p.tls.insecure) warnings.push({ path: ['providers', 'proxmox', p.name, 'tls_insecure'], message: "certificates of this cluster are not checked: anyone on the path can read the token; prefer ca (the cluster's pve-root-ca.pem) or fingerprint" });
  }

  const token = file.control.token === '' ? undefined : file.control.token;
  if (token !== undefined && file.control.listen === undefined) {
    warnings.push({ path: ['control', 'token'], message: 'token is only used with control.listen; ignored' });
  }

  const d = file.defaults;
  // Shared by every service that keeps the defaults' filter, rather than a copy of the built-in list each.
  const defaultFilter = resolveWakeFilter(d.wake_filter, undefined);
  const services = Object.entries(file.services).map(([name, s]): ServiceConfig => {
    const http = s.http && {
      hosts: [...new Set((typeof s.http.host === 'string' ? [s.http.host] : s.http.host).map((h) => h.toLowerCase()))],
      ...(s.http.target === undefined ? {} : { target: s.http.target }),
      ...(s.http.port === undefined ? {} : { port: s.http.port }),
    };
    const listen = s.tcp && parseHostPort(s.tcp.listen);
    const target = s.tcp?.target === undefined ? undefined : parseHostPort(s.tcp.target);
    const tcp = s.tcp && listen
      ? { listen, ...(target ? { target } : {}), ...(s.tcp.port === undefined ? {} : { port: s.tcp.port }), maxHeld: s.tcp.max_held, openKeepsAwake: s.tcp.open_keeps_awake }
      : undefined;
    const derived = s.http?.port !== undefined || s.tcp?.port !== undefined;
    if (s.proxmox && (s.stop_method ?? d.stop_method) === 'pause') {
      warnings.push({ path: ['services', name, ...(s.stop_method === undefined ? [] : ['stop_method'])], message: "stop_method pause suspends the guest, which Proxmox VE marks experimental for LXC (a CRIU checkpoint that fails for many guests); stop is the safe choice", ...(s.stop_method === undefined ? { at: 'key' as const } : {}) });
    }
    return {
      name,
      workload: resolveWorkload(name, s, providers[0]?.name, proxmox[0]?.name),
      ...(derived ? { address: s.proxmox?.interface === undefined ? {} : { interface: s.proxmox.interface } } : {}),
      ...(http ? { http } : {}),
      ...(tcp ? { tcp } : {}),
      ...(s.health ? { health: resolveHealth(s.health) } : {}),
      dependsOn: s.depends_on === undefined ? [] : [...new Set(typeof s.depends_on === 'string' ? [s.depends_on] : s.depends_on)],
      idleTimeoutMs: parseDuration(s.idle_timeout ?? d.idle_timeout),
      wakeTimeoutMs: parseDuration(s.wake_timeout ?? d.wake_timeout),
      stopMethod: s.stop_method ?? d.stop_method,
      stopSignal: s.stop_signal ?? d.stop_signal,
      stopTimeoutMs: parseDuration(s.stop_timeout ?? d.stop_timeout),
      ...(s.start_endpoint === undefined ? {} : { startEndpoints: typeof s.start_endpoint === 'string' ? [s.start_endpoint] : [...new Set(s.start_endpoint)] }),
      releaseConcurrency: s.release_concurrency ?? d.release_concurrency,
      loadingPage: s.loading_page ?? d.loading_page,
      wakeFilter: s.wake_filter === undefined ? defaultFilter : resolveWakeFilter(d.wake_filter, s.wake_filter),
    };
  });

  const http = parseHostPort(file.entrypoints.http);
  if (!http) throw new Error(`entrypoints.http ${JSON.stringify(file.entrypoints.http)} passed the schema but does not parse`);
  const config: DrowseConfig = {
    source,
    entrypoints: { http },
    control: {
      ...(file.control.socket !== undefined ? { socket: file.control.socket } : {}),
      ...(file.control.listen !== undefined ? { listen: file.control.listen } : {}),
      ...(token !== undefined ? { token } : {}),
    },
    log: { ...file.log },
    ...(file.event_log
      ? {
          eventLog: {
            path: file.event_log.path,
            retentionMs: parseDuration(file.event_log.retention),
            maxSizeBytes: parseSize(file.event_log.max_size),
            maxTotalBytes: parseSize(file.event_log.max_total),
          },
        }
      : {}),
    providers: { docker: providers, proxmox },
    services,
    limits: resolveLimits(file.limits),
    shutdownTimeoutMs: parseDuration(file.shutdown_timeout),
  };
  return { config, warnings };
}

/** The service's workload ref; crossCheck has refused a service without one, or with no provider to default to. */
function resolveWorkload(name: string, s: ServiceFile, firstDocker: string | undefined, firstProxmox: string | undefined): WorkloadRefConfig {
  // A guest's id is its vmid, unique in the cluster; the node is only where to look first, since guests migrate.
  const provider = s.proxmox ? (s.proxmox.provider ?? firstProxmox) : (s.docker?.provider ?? firstDocker);
  if (provider !== undefined && s.proxmox) return { provider, id: String(s.proxmox.vmid), location: s.proxmox.node };
  if (provider === undefined || !s.docker) throw new Error(`service "${name}" passed the checks without a workload or a provider`);
  return { provider, id: s.docker.container };
}

function resolveLimits(l: ConfigFile['limits']): LimitsConfig {
  return {
    ...(l.max_connections === undefined ? {} : { maxConnections: l.max_connections }),
    headerTimeoutMs: parseDuration(l.header_timeout),
    keepAliveTimeoutMs: parseDuration(l.keep_alive_timeout),
    heldPerService: l.held_per_service,
    ssePerService: l.sse_per_service,
    sseTotal: l.sse_total,
    sseLifetimeMs: parseDuration(l.sse_lifetime),
  };
}

function resolveHealth(h: HealthFile): HealthConfig {
  const probe: ProbeConfig | undefined = h.http
    ? { kind: 'http', path: h.http.path, expect: parseExpect(h.http.expect) }
    : h.tcp
      ? { kind: 'tcp' }
      : h.exec
        ? { kind: 'exec', command: [...h.exec] }
        : h.docker
          ? { kind: 'docker' }
          : undefined;
  return {
    ...(probe ? { probe } : {}),
    timeoutMs: parseDuration(h.timeout),
    intervalMs: parseDuration(h.interval),
    retries: h.retries,
    autoRestart: h.auto_restart,
    maxRestarts: h.max_restarts,
    restartDelayMs: parseDuration(h.restart_delay),
  };
}

/** "200-399,404" → [[200, 399], [404, 404]]. */
export function parseExpect(text: string): Array<[number, number]> {
  return text.split(',').map((part) => {
    const [lo = '0', hi] = part.split('-').map((x) => x.trim());
    return [Number(lo), Number(hi ?? lo)];
  });
}

/** A service's wake_filter: each key it sets replaces the default's; the built-in list is folded in here. */
function resolveWakeFilter(d: DefaultWakeFilterFile, s: ServiceWakeFilterFile | undefined): WakeFilterConfig {
  const builtin = s?.builtin_deny ?? d.builtin_deny;
  const deny = [...(builtin ? BUILTIN_WAKE_DENY : []), ...(s?.deny ?? d.deny)];
  const lower = (xs: readonly string[]) => [...new Set(xs.map((x) => x.toLowerCase()))];
  return { deny: lower(deny), allow: lower(s?.allow ?? d.allow) };
}

/** True when two listen addresses cannot both be bound: the same port, and the same host or a wildcard. */
function overlaps(a: { host: string; port: number }, b: { host: string; port: number }): boolean {
  if (a.port !== b.port || a.port === 0) return false;
  const any = (h: string) => h === '' || h === '0.0.0.0' || h === '::';
  return any(a.host) || any(b.host) || a.host.toLowerCase() === b.host.toLowerCase();
}

/** True when an http target would send requests back to drowse's own entrypoint on this machine. */
function targetsDrowse(target: string, entrypoint: { host: string; port: number }): boolean {
  if (!URL.canParse(target) || entrypoint.port === 0) return false;
  const url = new URL(target);
  if (Number(url.port || 80) !== entrypoint.port) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  return loopback || host === entrypoint.host.toLowerCase() || (entrypoint.host === '' && host === '0.0.0.0');
}

function* hostsOf(service: Record<string, unknown>, name: string): Generator<[string, Path]> {
  const host = asMap(service.http)?.host;
  const path: Path = ['services', name, 'http', 'host'];
  if (typeof host === 'string') yield [host.toLowerCase(), path];
  if (Array.isArray(host)) {
    for (const [index, h] of host.entries()) if (typeof h === 'string') yield [h.toLowerCase(), [...path, index]];
  }
}

function asMap(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
