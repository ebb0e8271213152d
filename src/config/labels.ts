/**
 * Docker labels → service entries. A container labelled `drowse.enable=true` is a service; every
 * service key can be a label (`drowse.http.host=app.lan`, `drowse.health.http.path=/healthz`), and
 * the entry is spelled exactly as the file would spell it, so the one schema validates both. Label
 * values are strings; each is read as the type the schema expects at its path (a number, a flag, a
 * list), and nothing else is guessed.
 */
import * as z from 'zod';
import { parseComposeDependsOn, COMPOSE_DEPENDS_ON_LABEL } from './compose.ts';
import { NAME_PATTERN, schemaAt } from './schema.ts';

/** Every drowse label starts with this. */
export const LABEL_PREFIX = 'drowse.';
/** The label that makes a container a service. */
export const ENABLE_LABEL = 'drowse.enable';
const COMPOSE_PROJECT = 'com.docker.compose.project';
const COMPOSE_SERVICE = 'com.docker.compose.service';

/**
 * Labels that are not service keys: the switch, the name, and the container ports the targets are
 * derived from (a file names the target itself, a label names the port inside the container).
 */
const LABEL_ONLY = new Set(['enable', 'name', 'http.port', 'tcp.port']);

/** How drowse reaches a port of the container, or why it cannot (derived by the backend). */
export type Reach = { readonly host: string; readonly port: number } | { readonly problem: string };

/** One labelled workload as a backend's discovery found it. */
export interface LabelledWorkload {
  readonly provider: string;
  /** The container name: the workload id, and the service name unless drowse.name says otherwise. */
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Where drowse reaches `port` inside the container (host network, a published port, a shared network). */
  reach(port: number): Reach;
}

/** A service that labels define, as a file entry, with what was wrong with its labels. */
export interface LabelService {
  readonly name: string;
  readonly provider: string;
  readonly container: string;
  readonly compose?: { readonly project: string; readonly service: string };
  /** The entry as `services.NAME` in a file would spell it. */
  readonly entry: Record<string, unknown>;
  /** Problems found before validation, each a finished sentence naming the container and the label. */
  readonly problems: readonly string[];
  /** The label a key path of the entry came from, for messages about it. */
  labelOf(path: readonly PropertyKey[]): string | undefined;
}

/** Whether a container asks to be a service. */
export function isEnabled(labels: Readonly<Record<string, string>>): boolean {
  return labels[ENABLE_LABEL]?.trim().toLowerCase() === 'true';
}

/**
 * The services the labelled workloads define, in the order given. Compose's depends_on names
 * Compose services; it is translated to the drowse services of the same project, and a dependency
 * drowse does not manage is left out (Compose starts it; drowse never stops it).
 */
export function servicesFromLabels(workloads: readonly LabelledWorkload[]): LabelService[] {
  const built = workloads.filter((w) => isEnabled(w.labels)).map(fromLabels);
  const byCompose = new Map<string, string>();
  for (const s of built) if (s.compose) byCompose.set(`${s.provider}\0${s.compose.project}\0${s.compose.service}`, s.name);
  for (const s of built) {
    const labels = workloads.find((w) => w.id === s.container && w.provider === s.provider)?.labels ?? {};
    if (s.entry.depends_on !== undefined || !s.compose || labels[COMPOSE_DEPENDS_ON_LABEL] === undefined) continue;
    const project = s.compose.project;
    const deps = parseComposeDependsOn(labels[COMPOSE_DEPENDS_ON_LABEL])
      .map((d) => byCompose.get(`${s.provider}\0${project}\0${d}`))
      .filter((d): d is string => d !== undefined);
    if (deps.length > 0) s.entry.depends_on = deps;
  }
  return built;
}

function fromLabels(w: LabelledWorkload): LabelService {
  const problems: string[] = [];
  const subject = `container "${w.id}"`;
  const say = (label: string, message: string) => problems.push(`${subject}: label ${label}: ${message}`);
  const origin = new Map<string, string>();
  const entry: Record<string, unknown> = {};

  for (const [label, value] of Object.entries(w.labels)) {
    if (!label.startsWith(LABEL_PREFIX)) continue;
    const key = label.slice(LABEL_PREFIX.length);
    if (LABEL_ONLY.has(key)) continue;
    const path = key.split('.');
    if (path.some((p) => p === '')) {
      say(label, 'expected drowse.<key> or drowse.<key>.<key>, like drowse.idle_timeout');
      continue;
    }
    if (path[0] === 'docker' || path[0] === 'proxmox') {
      say(label, `the workload is this container itself; drowse.${path[0]}.* cannot be set`);
      continue;
    }
    const clash = place(entry, path, read(path, value));
    if (clash !== undefined) say(label, `conflicts with label ${clashingLabel(origin, clash)}: give either a value or keys below it`);
    else origin.set(path.join('.'), label);
  }

  const named = w.labels['drowse.name']?.trim();
  const name = named || serviceName(w.id);
  if (named !== undefined && !NAME_PATTERN.test(name)) say('drowse.name', 'service names use a-z, 0-9, "_" and "-", and start with a letter or digit');

  derive(w, entry, 'http', say);
  derive(w, entry, 'tcp', say);
  entry.docker = { container: w.id, provider: w.provider };

  const project = w.labels[COMPOSE_PROJECT];
  const service = w.labels[COMPOSE_SERVICE];
  return {
    name,
    provider: w.provider,
    container: w.id,
    ...(project && service ? { compose: { project, service } } : {}),
    entry,
    problems,
    labelOf(path) {
      const keys = path.filter((p): p is string => typeof p === 'string');
      if (keys[0] === 'docker') return undefined;
      for (let n = keys.length; n > 0; n--) {
        const found = origin.get(keys.slice(0, n).join('.'));
        if (found !== undefined) return found;
      }
      // Compose's depends_on is only translated when drowse.depends_on is absent.
      if (keys[0] === 'depends_on' && w.labels[COMPOSE_DEPENDS_ON_LABEL] !== undefined) return COMPOSE_DEPENDS_ON_LABEL;
      const portLabel = `${LABEL_PREFIX}${keys[0]}.port`;
      if (keys[1] === 'target' && w.labels[portLabel] !== undefined) return portLabel;
      return keys.length > 0 ? `${LABEL_PREFIX}${keys.join('.')}` : undefined;
    },
  };
}

/**
 * `drowse.http.port` / `drowse.tcp.port`: the port inside the container, from which the target is
 * derived. Naming the target too is a contradiction, not an override.
 */
function derive(w: LabelledWorkload, entry: Record<string, unknown>, route: 'http' | 'tcp', say: (label: string, message: string) => void): void {
  const label = `${LABEL_PREFIX}${route}.port`;
  const raw = w.labels[label];
  const section = entry[route];
  const block = typeof section === 'object' && section !== null && !Array.isArray(section) ? (section as Record<string, unknown>) : undefined;
  if (raw === undefined) {
    if (block && block.target === undefined && (route === 'http' ? block.host !== undefined : block.listen !== undefined)) {
      say(label, `give the container's port the ${route} route leads to, like ${label}=${route === 'http' ? 8080 : 5432} (or ${LABEL_PREFIX}${route}.target)`);
    }
    return;
  }
  // drowse.http=x: a value where the route's keys go; the schema's word for it would name the port label's target.
  if (section !== undefined && !block) return void say(label, `conflicts with label ${LABEL_PREFIX}${route}: give either a value or keys below it`);
  const port = /^\s*\d{1,5}\s*$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 1 && port <= 65535)) return void say(label, 'expected a port from 1 to 65535');
  if (block?.target !== undefined) return void say(label, `give either ${label} or ${LABEL_PREFIX}${route}.target, not both`);
  const reach = w.reach(port);
  if ('problem' in reach) return void say(label, reach.problem);
  const host = reach.host.includes(':') ? `[${reach.host}]` : reach.host;
  const target = route === 'http' ? `http://${host}:${reach.port}` : `${host}:${reach.port}`;
  entry[route] = { ...block, target };
}

/**
 * The label already placed at `clash`: the value there, or (when this label is a value where keys
 * already are) the first label below it, never this label itself.
 */
function clashingLabel(origin: ReadonlyMap<string, string>, clash: string): string {
  const below = [...origin.keys()].find((path) => path.startsWith(`${clash}.`));
  return `${LABEL_PREFIX}${below ?? clash}`;
}

/** Docker allows names drowse does not ("My.App"): lower-cased, anything else becomes "-". */
function serviceName(container: string): string {
  return container.toLowerCase().replace(/[^a-z0-9_-]/g, '-').replace(/^[-_]+/, '') || 'container';
}

/** Puts value at path; on a clash (a value where keys go, or keys where a value is) returns the clashing path. */
function place(target: Record<string, unknown>, path: readonly string[], value: unknown): string | undefined {
  let at = target;
  for (const [i, key] of path.entries()) {
    const here = path.slice(0, i + 1).join('.');
    if (i === path.length - 1) {
      if (at[key] !== undefined) return here;
      at[key] = value;
      return undefined;
    }
    const next = at[key];
    if (next === undefined) at = at[key] = {} as Record<string, unknown>;
    else if (typeof next === 'object' && next !== null && !Array.isArray(next) && Object.keys(next).length > 0) at = next as Record<string, unknown>;
    else return here;
  }
  return undefined;
}

/**
 * A label's string as the type the schema wants at its path: lists split at commas (a command at
 * spaces, or written as a JSON array), whole numbers and true/false converted, "true" for a probe
 * that takes no settings (`drowse.health.tcp=true`). Anything that does not fit is passed on as
 * written, so the schema's own message says what was expected.
 */
function read(path: readonly string[], value: string): unknown {
  const schema = schemaAt(['services', '_', ...path]);
  const text = value.trim();
  if (schema === undefined) return text;
  if (schema instanceof z.ZodNumber) return /^-?\d+$/.test(text) ? Number(text) : text;
  if (schema instanceof z.ZodBoolean) return /^(true|false)$/i.test(text) ? text.toLowerCase() === 'true' : text;
  if (schema instanceof z.ZodObject && Object.keys(schema.shape).length === 0) return /^true$/i.test(text) ? {} : text;
  if (schema instanceof z.ZodArray) return path.join('.') === 'health.exec' ? command(text) : list(text);
  // An empty depends_on is no dependencies: it opts out of Compose's depends_on (compose.ts says so).
  if (schema instanceof z.ZodUnion && schema.options.some((o) => o instanceof z.ZodArray)) return text.includes(',') || (text === '' && path.join('.') === 'depends_on') ? list(text) : text;
  return text;
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function command(text: string): unknown {
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text.split(/\s+/).filter((s) => s !== '');
}
