import type { ServiceConfig } from '../config/index.ts';
import type { WorkloadRef } from './provider.ts';

/**
 * The workload a service runs as. The config spells it per backend (today only `docker:
 * { provider, container }`); this is the one place that reads that spelling, so nothing past the
 * config knows which backend a service is on.
 */
export function workloadRefOf(sc: ServiceConfig): WorkloadRef | undefined {
  return sc.docker ? { provider: sc.docker.provider, id: sc.docker.container } : undefined;
}
