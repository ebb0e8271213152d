/**
 * The entrypoints a config asks for: one HTTP entrypoint carrying a route per service with an
 * `http` block, and one TCP listener per service with a `tcp` block, each bounded by the limits and
 * holding requests for as long as the service's wake budget. When the services change (labels,
 * later a reload) the HTTP routes are swapped and only the TCP listeners that changed are rebound.
 */
import type { DrowseConfig } from '../config/index.ts';
import type { Logger } from '../kernel/index.ts';
import type { Service } from '../service/index.ts';
import { HttpEntrypoint, type DrowseSite, type HttpRoute } from './http/index.ts';
import { TcpEntrypoint } from './tcp/index.ts';

/** What the entrypoints are built from. */
export interface EntrypointParts {
  readonly config: Pick<DrowseConfig, 'entrypoints' | 'limits'>;
  readonly services: readonly Service[];
  /** The wake budget of a service: how long its requests and connections are held. */
  readonly budgetMs: (service: string) => number;
  readonly site: DrowseSite;
  readonly log: Logger;
}

/** The built (not yet started) entrypoints. */
export interface Entrypoints {
  readonly http: HttpEntrypoint;
  readonly tcp: ReadonlyMap<string, TcpEntrypoint>;
}

/** Builds every entrypoint; start them with start() in order, stop them with stop(). */
export function buildEntrypoints(parts: EntrypointParts): Entrypoints {
  const tcp = new Map<string, TcpEntrypoint>();
  for (const s of parts.services) {
    const t = tcpEntrypoint(s, parts);
    if (t) tcp.set(s.name, t);
  }
  return { http: httpEntrypoint(parts), tcp };
}

/** The HTTP entrypoint with a route for every service that has an `http` block (not yet started). */
export function httpEntrypoint(parts: EntrypointParts): HttpEntrypoint {
  const { config, services, site, log } = parts;
  const { limits } = config;
  const maxConnections = limits.maxConnections === undefined ? {} : { maxConnections: limits.maxConnections };
  return new HttpEntrypoint({
    host: config.entrypoints.http.host,
    port: config.entrypoints.http.port,
    routes: httpRoutes(services, parts.budgetMs),
    site,
    log,
    limits: { ...maxConnections, headerTimeoutMs: limits.headerTimeoutMs, keepAliveTimeoutMs: limits.keepAliveTimeoutMs, heldPerService: limits.heldPerService },
  });
}

/** The HTTP routes of the services that have an `http` block. */
export function httpRoutes(services: readonly Service[], budgetMs: (service: string) => number): HttpRoute[] {
  return services.flatMap((s) => {
    const http = s.config.http;
    if (!http) return [];
    const { loadingPage, startEndpoints, wakeFilter, releaseConcurrency } = s.config;
    const route = { hosts: http.hosts, service: s, wakeTimeoutMs: budgetMs(s.name), releaseConcurrency, loadingPage, policy: { wakeFilter, ...(startEndpoints ? { startEndpoints } : {}) } };
    // A learned address is read at each request (it changes per wake); a fixed one is parsed once.
    if (s.upstream.derived) return [Object.defineProperty(route, 'target', { get: () => s.upstream.httpTarget(), enumerable: true }) as typeof route & { readonly target: URL }];
    return [{ ...route, target: s.upstream.httpTarget() }];
  });
}

/** The TCP listener of a service with a `tcp` block (not yet started), or undefined. */
export function tcpEntrypoint(s: Service, parts: Pick<EntrypointParts, 'config' | 'budgetMs' | 'log'>): TcpEntrypoint | undefined {
  const t = s.config.tcp;
  if (!t) return undefined;
  const { maxConnections } = parts.config.limits;
  return new TcpEntrypoint({
    listen: t.listen,
    target: s.upstream.derived ? () => s.upstream.tcp() : s.upstream.tcpTarget(),
    service: s,
    wakeTimeoutMs: parts.budgetMs(s.name),
    maxHeld: t.maxHeld,
    openKeepsAwake: t.openKeepsAwake,
    ...(maxConnections === undefined ? {} : { maxConnections }),
    log: parts.log,
  });
}
