export { ControlServer, type ControlBackend, type ControlServerOptions } from './server.ts';
export { controlRequest, ControlClientError, type ControlTarget } from './client.ts';
export { probeHealth, HEALTH_TIMEOUT_MS, type HealthResult } from './health-probe.ts';
export { defaultControlSocket, controlSocketOf, ensureSocketFree, ControlSocketTakenError } from './socket-path.ts';
export { Metrics, type MetricsSnapshot } from './metrics.ts';
export { ControlViews, type ControlViewParts } from './views.ts';
export { EventFeed, type EventFeedOptions, type EventRecord, type EventSink } from './events.ts';
export { followEvents, formatEventLine, SseParser, type FollowOptions, type SseMessage } from './events-client.ts';
