/**
 * Host routing: exact names first, then `*.` wildcards, the longest suffix winning. As in nginx,
 * `*.example.lan` matches any depth below example.lan (a.example.lan, b.a.example.lan) but not example.lan.
 */

/** One route's claim: the hosts it answers for and what it leads to. */
export interface RouteEntry<T> {
  readonly hosts: readonly string[];
  readonly value: T;
}

/** Resolves a Host header to a route value. Built once per config; lookups allocate nothing but the normalised name. */
export class Router<T> {
  private readonly exact = new Map<string, T>();
  /** Suffixes including the leading dot, longest first. */
  private readonly wildcards: Array<[suffix: string, value: T]> = [];

  constructor(entries: readonly RouteEntry<T>[]) {
    for (const { hosts, value } of entries) {
      for (const raw of hosts) {
        const host = raw.toLowerCase();
        if (host.startsWith('*.')) this.wildcards.push([host.slice(1), value]);
        else this.exact.set(host, value);
      }
    }
    this.wildcards.sort((a, b) => b[0].length - a[0].length);
  }

  /** The value for a Host header, or undefined when no route claims it. */
  match(hostHeader: string | undefined): T | undefined {
    const host = hostName(hostHeader);
    if (host === undefined) return undefined;
    const exact = this.exact.get(host);
    if (exact !== undefined) return exact;
    for (const [suffix, value] of this.wildcards) {
      if (host.length > suffix.length && host.endsWith(suffix)) return value;
    }
    return undefined;
  }
}

/** The host name of a Host header: port removed, lower-cased, trailing dot dropped; IPv6 keeps its brackets. */
export function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  let host = header.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(0, end + 1) : undefined;
  }
  const colon = host.indexOf(':');
  if (colon >= 0) host = host.slice(0, colon);
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host || undefined;
}
