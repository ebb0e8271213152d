/**
 * Who may wake a sleeping service: `start_endpoint` limits the paths, `wake_filter` turns robots
 * away. Both only decide about waking; a service that is ready serves every path to everyone.
 */

/** The part of a service's config the gate reads. */
export interface WakePolicy {
  /** Paths that may wake the service; "/x/*" matches everything below /x/. Absent: every path. */
  readonly startEndpoints?: readonly string[];
  /** Lower-cased User-Agent substrings. */
  readonly wakeFilter: { readonly deny: readonly string[]; readonly allow: readonly string[] };
}

/** True when a request for `path` may wake the service. */
export function pathMayWake(path: string, startEndpoints: readonly string[] | undefined): boolean {
  if (!startEndpoints) return true;
  return startEndpoints.some((e) => (e.endsWith('*') ? path.startsWith(e.slice(0, -1)) : path === e));
}

/** Each filter compiled once into two regexes: every request is checked, so one scan beats dozens. */
const compiled = new WeakMap<WakePolicy['wakeFilter'], { readonly deny: RegExp; readonly allow: RegExp | undefined }>();

function anyOf(patterns: readonly string[]): RegExp | undefined {
  if (patterns.length === 0) return undefined;
  return new RegExp(patterns.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');
}

/** The deny entry a User-Agent matches (and no allow entry does), or undefined when it may wake. */
export function deniedBy(userAgent: string | undefined, filter: WakePolicy['wakeFilter']): string | undefined {
  if (!userAgent || filter.deny.length === 0) return undefined;
  let c = compiled.get(filter);
  if (!c) {
    c = { deny: anyOf(filter.deny) as RegExp, allow: anyOf(filter.allow) };
    compiled.set(filter, c);
  }
  const match = c.deny.exec(userAgent);
  if (!match || c.allow?.test(userAgent)) return undefined;
  return match[0].toLowerCase();
}
