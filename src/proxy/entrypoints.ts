/**
 * The entrypoints a config asks for: one HTTP entrypoint carrying a route per service with an
 * `http` block, and one TCP listener per service with a `tcp` block, each bounded by the limits and
 * holding requests for as long as the service's wake budget.
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
  const { config, services, budgetMs, site, log } = parts;
  const { limits } = config;
  const maxConnections = limits.maxConnections === undefined ? {} : { maxConnections: limits.maxConnections };
  const routes: HttpRoute[] = services.flatMap((s) => {
    const http = s.config.http;
    if (!http) return [];
    const { loadingPage, startEndpoints, wakeFilter } = s.config;
    return [{ hosts: http.hosts, service: s, target: new URL(http.target), wakeTimeoutMs: budgetMs(s.name), loadingPage, policy: { wakeFilter, ...(startEndpoints ? { startEndpoints } : {}) } }];
  });
  const http = new HttpEntrypoint({
    host: config.entrypoints.http.host,
    port: config.entrypoints.http.port,
    routes,
    site,
    log,
    limits: { ...maxConnections, headerTimeoutMs: limits.headerTimeoutMs, keepAliveTimeoutMs: limits.keepAliveTimeoutMs, heldPerService: limits.heldPerService },
  });
  const tcp = new Map<string, TcpEntrypoint>();
  for (const s of services) {
    const t = s.config.tcp;
    if (!t) continue;
    tcp.set(s.name, new TcpEntrypoint({ listen: t.listen, target: t.target, service: s, wakeTimeoutMs: budgetMs(s.name), maxHeld: t.maxHeld, openKeepsAwake: t.openKeepsAwake, ...maxConnections, log }));
  }
  return { http, tcp };
}
