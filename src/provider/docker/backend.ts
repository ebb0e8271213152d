/**
 * Everything one Docker engine brings: the provider, its feed (the event stream, or the generic
 * poll feed over list() in `events: poll` mode) and the stats of awake containers and of the
 * engine's disk.
 */
import type { DockerProviderConfig } from '../../config/index.ts';
import type { Backend, BackendDeps, ProviderSettings } from '../backend.ts';
import { PollFeed } from '../poll-feed.ts';
import { createDockerClient } from './client.ts';
import { DockerProvider } from './docker-provider.ts';
import { DockerEventFeed } from './event-feed.ts';
import { DockerStats } from './stats.ts';
import { DockerDiscovery } from './discovery.ts';

/** The Docker factory: `settings` is a `providers.docker.NAME` entry as the config resolved it. */
export function createDockerBackend(settings: ProviderSettings, deps: BackendDeps): Backend {
  const p = settings as DockerProviderConfig;
  const { log, clock } = deps;
  const provider = new DockerProvider({ ...p, log });
  // The stream's client has no socket timeout: the stream is quiet for hours.
  const docker = createDockerClient(p);
  const feed = p.events === 'poll'
    ? new PollFeed({ provider: p.name, kind: provider.kind, list: (signal) => provider.list(signal), intervalMs: p.pollIntervalMs, log, ...(clock ? { clock } : {}) })
    : new DockerEventFeed({ provider: p.name, docker, log, ...(clock ? { clock } : {}) });
  const stats = new DockerStats({
    provider: p.name,
    docker,
    awake: deps.awake,
    statsIntervalMs: p.statsIntervalMs,
    diskUsageIntervalMs: p.diskUsageIntervalMs,
    log,
    ...(clock ? { clock } : {}),
  });
  const discovery = p.labels
    ? new DockerDiscovery({ provider: p.name, docker, ...(p.network === undefined ? {} : { network: p.network }), ...(p.events === 'poll' ? { pollMs: p.pollIntervalMs } : {}) })
    : undefined;
  return { provider, feed, stats, ...(discovery ? { discovery } : {}) };
}
