/**
 * The request target, read once: what is forwarded (the bytes the client sent) and how it is
 * judged (reserved paths, start_endpoint). Upstreams disagree about spellings — one resolves
 * "%2e%2e", another turns "%2f" or "\" into "/", Express matches case-insensitively, nginx merges
 * "//" — so the gate judges every reading an upstream might take: a path is reserved when any
 * reading is, and may wake only when every reading may. The target itself is never rewritten.
 */
import { BadRequestError } from './errors.ts';
import { hostName } from './router.ts';

/** How a request target is forwarded and judged. */
export type RequestTarget =
  | {
      readonly kind: 'path';
      /** The origin-form target forwarded upstream, byte for byte as the client sent it. */
      readonly forward: string;
      /** The readings of its path the gate judges: strict first, then the loose one when it differs. */
      readonly readings: readonly string[];
    }
  /** `OPTIONS *`: a question about drowse itself, never forwarded. */
  | { readonly kind: 'asterisk' };

const RESERVED_PREFIX = '/__drowse/';
/**
 * What any reading could change: a percent sign (decoding), a backslash or ";" (the loose one), a
 * dot segment or an empty one ("/." and "//"). A path with none of them reads as itself, the way
 * nearly every request's does, so the warm path skips building both readings.
 */
const READS_DIFFERENTLY = /[%\\;]|\/\.|\/\//;
const ABSOLUTE = /^https?:\/\/([^/?#]*)/i;

/**
 * Reads a request target. Throws BadRequestError for targets that cannot be judged safely: "*"
 * with a method other than OPTIONS, a fragment, an absolute-form target naming another host than
 * the Host header (RFC 9112 §3.2.2 would route by it; two hosts in one request is an attack or a
 * mistake), and anything that is neither a path nor an http URL.
 */
export function readTarget(url: string | undefined, method: string | undefined, host: string | undefined): RequestTarget {
  if (url === '*') {
    if (method === 'OPTIONS') return { kind: 'asterisk' };
    throw new BadRequestError(`http entrypoint: "*" is a target only for OPTIONS`);
  }
  let forward = url ?? '';
  const absolute = ABSOLUTE.exec(forward);
  if (absolute) {
    if (hostName(absolute[1]) === undefined || hostName(absolute[1]) !== hostName(host)) {
      throw new BadRequestError('http entrypoint: an absolute request target must name the same host as the Host header');
    }
    forward = forward.slice(absolute[0].length);
    if (!forward.startsWith('/')) forward = `/${forward}`;
  }
  if (!forward.startsWith('/')) throw new BadRequestError('http entrypoint: the request target is not a path');
  // Browsers never send fragments; servers that see one disagree about where the path ends.
  if (forward.includes('#')) throw new BadRequestError('http entrypoint: the request target has a fragment');
  const q = forward.indexOf('?');
  const path = q < 0 ? forward : forward.slice(0, q);
  if (!READS_DIFFERENTLY.test(path)) return { kind: 'path', forward, readings: [path] };
  const strict = strictReading(path);
  const loose = looseReading(path);
  return { kind: 'path', forward, readings: loose === strict ? [strict] : [strict, loose] };
}

/** The name under /__drowse/ when any reading of the path is reserved, else undefined. Case-insensitive. */
export function reservedName(target: RequestTarget): string | undefined {
  if (target.kind !== 'path') return undefined;
  for (const reading of target.readings) {
    if (reading.slice(0, RESERVED_PREFIX.length).toLowerCase() === RESERVED_PREFIX) return reading.slice(RESERVED_PREFIX.length).toLowerCase();
  }
  return undefined;
}

/**
 * What RFC 3986 says the path means: unreserved characters percent-decoded (so "%2e" is "."),
 * dot segments removed. Everything else — "%2f", "//", case — is kept as written.
 */
export function strictReading(path: string): string {
  return removeDotSegments(decodeUnreserved(path));
}

/**
 * What a lenient upstream may make of the path: also "\" and encoded slashes or backslashes as
 * "/", ";params" dropped from segments (servlet containers), runs of "/" merged; dot segments are
 * removed after all of that, since that is when such an upstream would see them.
 */
export function looseReading(path: string): string {
  const slashed = decodeUnreserved(path)
    .replace(/%(2f|5c)/gi, '/')
    .replaceAll('\\', '/');
  const segments = slashed.split('/').map((s) => s.split(';')[0] ?? '');
  return removeDotSegments(segments.join('/').replace(/\/{2,}/g, '/'));
}

function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9a-f]{2})/gi, (m, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : m.toUpperCase();
  });
}

/** RFC 3986 §5.2.4 on an absolute path: "." and ".." segments go, ".." never climbs above "/". */
function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/').slice(1);
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..' && out.length > 0) out.pop();
      // A trailing dot segment leaves a directory: "/a/b/.." is "/a/".
      if (last) out.push('');
    } else out.push(segment);
  });
  return `/${out.join('/')}`;
}
