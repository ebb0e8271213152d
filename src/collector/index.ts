export { DockerEventCollector, RECONNECT_BACKOFF, type DockerEventCollectorOptions } from './docker-event-collector.ts';
export { DockerPollCollector, type DockerPollCollectorOptions } from './docker-poll-collector.ts';
export { DockerStatsCollector, type DockerStatsCollectorOptions, type ContainerStats, type DiskUsage } from './docker-stats.ts';
export { interpretDockerEvent, parseDockerEvent, type DockerEventMessage, type DockerEventMeaning } from './docker-events.ts';
export { LineSplitter } from './lines.ts';
