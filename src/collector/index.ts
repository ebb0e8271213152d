export { DockerEventCollector, type DockerEventCollectorOptions } from './docker-event-collector.ts';
export { interpretDockerEvent, parseDockerEvent, type DockerEventMessage, type DockerEventMeaning } from './docker-events.ts';
export { LineSplitter } from './lines.ts';
