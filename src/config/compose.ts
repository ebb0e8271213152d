/**
 * Docker Compose records a service's depends_on on each container as the label
 * `com.docker.compose.depends_on`, e.g. "db:service_healthy:true,cache:service_started:false"
 * (service:condition:restart, comma-separated; older Compose wrote just the names). drowse honours
 * it when a container has no `drowse.depends_on` label (label discovery uses this).
 */

/** The label Compose writes. */
export const COMPOSE_DEPENDS_ON_LABEL = 'com.docker.compose.depends_on';

/** The service names in a Compose depends_on label, in order, without duplicates. */
export function parseComposeDependsOn(label: string | undefined): string[] {
  if (!label) return [];
  const names = label
    .split(',')
    .map((entry) => entry.trim().split(':')[0]?.trim() ?? '')
    .filter((n) => n !== '');
  return [...new Set(names)];
}

/** drowse.depends_on ("a,b") when present, else Compose's label. */
export function dependsOnFromLabels(labels: Readonly<Record<string, string>>): string[] {
  const own = labels['drowse.depends_on'];
  if (own !== undefined) return [...new Set(own.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  return parseComposeDependsOn(labels[COMPOSE_DEPENDS_ON_LABEL]);
}
