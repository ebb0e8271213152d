/** The config module: finds, parses, validates and resolves drowse.yaml into DrowseConfig. */
export type { ControlConfig, EventLogConfig, HealthConfig, ProbeConfig, DockerProviderConfig, ProxmoxProviderConfig, DrowseConfig, HttpRouteConfig, ServiceConfig, StopMethod, StopSignal, TcpRouteConfig, WakeFilterConfig, WorkloadRefConfig, DiscoveredFrom } from './types.ts';
export { formatProblem, type ConfigProblem, type LoadResult } from './problems.ts';
export { parseConfig } from './parse.ts';
export { loadConfig, embeddedDefault, EMBEDDED_SOURCE, SYSTEM_CONFIG_PATH, type LoadOptions } from './load.ts';
export { configJsonSchema, configSchema, DEFAULT_DOCKER_SOCKET, type ConfigFile, type ConfigFileInput } from './schema.ts';
export { parseDuration, tryParseDuration, DURATION_MESSAGE } from './duration.ts';
export { parseSize, tryParseSize, SIZE_MESSAGE } from './size.ts';
export { parseHostPort, formatHostPort, type HostPort } from './address.ts';
export { expandString } from './expand.ts';
export { BUILTIN_WAKE_DENY } from './wake-filter.ts';
export { parseComposeDependsOn, dependsOnFromLabels, COMPOSE_DEPENDS_ON_LABEL } from './compose.ts';
export { DependencyGraph, findCycles, type GraphNode } from './graph.ts';
export { servicesFromLabels, isEnabled, ENABLE_LABEL, LABEL_PREFIX, type LabelledWorkload, type LabelService, type Reach } from './labels.ts';
export { withDiscovered, derivedConfig, type DiscoveredConfig, type UnavailableService } from './discovered.ts';
export { closest } from './suggest.ts';
