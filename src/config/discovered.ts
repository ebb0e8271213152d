/**
 * The file's config merged with services discovered from labels. Discovered entries are checked by
 * the same schema and cross-checks as the file's, together with the file's, so a label service
 * cannot claim a host, a port or a container a file service has. The file wins: a discovered
 * service with a file service's name is left out, and one whose labels are wrong, or that clashes,
 * is unavailable with its problems, while every other service keeps serving.
 */
import { humanErrors, issueFindings } from './messages.ts';
import type { LabelService } from './labels.ts';
import type { Finding } from './positions.ts';
import { crossCheck, resolve } from './resolve.ts';
import { configSchema } from './schema.ts';
import type { DrowseConfig, ServiceConfig } from './types.ts';

/** The validated file tree behind each parsed config, kept aside so discovered entries can be checked with it. */
const documents = new WeakMap<DrowseConfig, Readonly<Record<string, unknown>>>();

/** Records the tree a config was resolved from (parse.ts does, for every config it returns). */
export function rememberDocument(config: DrowseConfig, document: Readonly<Record<string, unknown>>): void {
  documents.set(config, document);
}

/**
 * A copy of a parsed config with some parts replaced (tests swap in providers of their own) that
 * can still be merged with discovered services: a plain spread would lose the file tree behind it.
 */
export function derivedConfig(config: DrowseConfig, patch: Partial<DrowseConfig>): DrowseConfig {
  const copy = { ...config, ...patch };
  const document = documents.get(config);
  if (document) documents.set(copy, document);
  return copy;
}

/** A discovered service that cannot run, and why. */
export interface UnavailableService {
  readonly name: string;
  readonly provider: string;
  readonly container: string;
  /** Finished sentences, each naming the container and the label. */
  readonly problems: readonly string[];
}

/** The merge's outcome. */
export interface DiscoveredConfig {
  /** The file's config with the good discovered services after the file's own. */
  readonly config: DrowseConfig;
  readonly unavailable: readonly UnavailableService[];
  /** Discovered services the file defines too; the file's definition is the one used. */
  readonly shadowed: readonly string[];
}

/**
 * Merges discovered services into a config that parse.ts produced. Each round validates the whole
 * set and takes out the discovered services with problems; taking one out can break another (a
 * dependency on it), so rounds repeat until none is left out, at most once per service.
 */
export function withDiscovered(config: DrowseConfig, found: readonly LabelService[]): DiscoveredConfig {
  const document = documents.get(config);
  if (!document) throw new Error('config: withDiscovered needs a config from parseConfig');
  const fileServices = asMap(document.services) ?? {};
  const shadowed = found.filter((s) => Object.hasOwn(fileServices, s.name)).map((s) => s.name);
  const unavailable: UnavailableService[] = [];
  const out = (s: LabelService, problems: readonly string[]) => unavailable.push({ name: s.name, provider: s.provider, container: s.container, problems });

  let candidates: LabelService[] = [];
  const seen = new Set<string>();
  for (const s of found) {
    if (shadowed.includes(s.name)) continue;
    if (seen.has(s.name)) out(s, [`container "${s.container}": service name "${s.name}" is already taken by another container; set drowse.name`]);
    else if (s.problems.length > 0) out(s, s.problems);
    else candidates.push(s);
    seen.add(s.name);
  }

  for (let round = 0; round <= found.length; round++) {
    candidates = withoutBrokenDependencies(candidates, Object.keys(fileServices), unavailable, out);
    const services = { ...fileServices, ...Object.fromEntries(candidates.map((s) => [s.name, s.entry])) };
    const raw = { ...document, services };
    const parsed = configSchema.safeParse(raw, { error: humanErrors });
    const findings = [...(parsed.success ? [] : issueFindings(parsed.error.issues)), ...crossCheck(raw)];
    const byService = new Map<string, Finding[]>();
    for (const f of findings) {
      const name = f.path[0] === 'services' ? f.path[1] : undefined;
      if (typeof name !== 'string' || !candidates.some((s) => s.name === name)) continue;
      byService.set(name, [...(byService.get(name) ?? []), f]);
    }
    if (byService.size === 0 && parsed.success) {
      const merged = resolve(parsed.data, config.source).config;
      const discovered = new Map(candidates.map((s) => [s.name, s]));
      const resolved = merged.services.map((sc): ServiceConfig => {
        const s = discovered.get(sc.name);
        return s ? { ...sc, discovered: { container: s.container, ...(s.compose ? { compose: s.compose } : {}) } } : sc;
      });
      return { config: { ...config, services: resolved }, unavailable, shadowed };
    }
    if (byService.size === 0) {
      // Only findings about the file's own services, which it passed alone: cannot happen, but never loop on it.
      for (const s of candidates) out(s, [`container "${s.container}": its labels could not be merged with the config`]);
      candidates = [];
      continue;
    }
    for (const [name, list] of byService) {
      const s = candidates.find((c) => c.name === name);
      if (s) out(s, list.map((f) => sentence(s, f)));
    }
    candidates = candidates.filter((s) => !byService.has(s.name));
  }
  return { config: { ...config }, unavailable, shadowed };
}

/**
 * Takes out the candidates that depend on a discovered service that is out, and then those that
 * depend on them. Validation would call such a dependency "unknown", which it is not: the
 * operator sees it in status as unavailable, with its own problems.
 */
function withoutBrokenDependencies(
  candidates: readonly LabelService[],
  fileNames: readonly string[],
  unavailable: readonly UnavailableService[],
  out: (s: LabelService, problems: readonly string[]) => void,
): LabelService[] {
  let kept = [...candidates];
  for (let changed = true; changed; ) {
    changed = false;
    const served = new Set([...fileNames, ...kept.map((s) => s.name)]);
    const gone = new Set(unavailable.map((u) => u.name));
    for (const s of kept) {
      const missing = dependencyNames(s.entry.depends_on).filter((d) => !served.has(d) && gone.has(d));
      if (missing.length === 0) continue;
      const label = s.labelOf(['depends_on']);
      out(s, missing.map((d) => `container "${s.container}": label ${label}: service "${d}" is unavailable`));
      kept = kept.filter((c) => c !== s);
      changed = true;
    }
  }
  return kept;
}

/** depends_on as labels spell it: one name or a list of names (labels.ts makes nothing else). */
function dependencyNames(value: unknown): readonly string[] {
  return typeof value === 'string' ? [value] : Array.isArray(value) ? (value as string[]) : [];
}

/** `container "web": label drowse.idle_timeout: expected a duration like 30s or 15m`. */
function sentence(s: LabelService, f: Finding): string {
  const rest = f.path.slice(2);
  const label = s.labelOf(rest);
  const subject = `container "${s.container}"`;
  if (label !== undefined) return `${subject}: label ${label}: ${f.message}`;
  // A finding about the workload names the container itself; saying it twice reads as a stutter.
  return f.message.startsWith(`${subject} `) ? f.message : `${subject}: ${f.message}`;
}

function asMap(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
