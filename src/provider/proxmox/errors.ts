/** Turning what the PVE client and tasks throw into ProviderErrors a caller can act on. */
import { errorMessage, formatDuration } from '../../kernel/index.ts';
import { ProviderError, type ProviderErrorReason } from '../errors.ts';
import { PveFingerprintError, PveHttpError, PveTimeoutError } from './client.ts';
import { PveTaskError } from './tasks.ts';

/** Where a call failed, to name it in the error. */
export interface CallSite {
  readonly provider: string;
  readonly op: string;
  readonly ref?: string;
  /** The token's id (never its secret), named in authentication errors. */
  readonly tokenId: string;
}

/** How an operation's abort came about. */
export interface AbortCause {
  /** The operation's own deadline passed. */
  readonly timedOut: boolean;
  readonly timeoutMs: number;
  /** The caller's signal aborted. */
  readonly aborted: boolean;
}

/** Socket-level failures that mean PVE is not there (as opposed to PVE saying no). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND',
  'EAI_AGAIN', 'ECONNABORTED', 'ERR_SOCKET_CLOSED',
]);

/** PVE's proxy between nodes (595: no route to the node) and proxies in front of it. */
const UNREACHABLE_STATUSES = new Set([502, 503, 504, 595, 596]);

/** PVE's words for a guest that is not on the node asked, or a node it does not know. */
const NOT_ON_NODE = /does not exist|no such (cluster )?node|hostname lookup .* failed/i;

/** Builds a ProviderError of the Proxmox backend. */
export function pveError(site: CallSite, reason: ProviderErrorReason, detail: string, extra: { statusCode?: number; cause?: unknown } = {}): ProviderError {
  const { tokenId: _tokenId, ...where } = site;
  return new ProviderError({ kind: 'proxmox', ...where, reason, detail, ...extra });
}

/** True when PVE said the guest is not on that node (or there is no such node): look it up in the cluster. */
export function isNotOnNode(err: unknown): boolean {
  return err instanceof PveHttpError && (err.status === 500 || err.status === 400 || err.status === 595) && NOT_ON_NODE.test(err.reason);
}

/** True when PVE's proxy could not reach the guest's node (595 No route to host): HA may have moved the guest. */
export function isNodeUnreachable(err: unknown): boolean {
  return err instanceof PveHttpError && (err.status === 595 || /no route to host/i.test(err.reason));
}

/** The lock named when another PVE task holds the guest's config flock for its whole action. */
export const BUSY_LOCK = 'another task';

/**
 * The lock a failed request or task names: PVE's config lock (`CT is locked (backup)` → backup), or
 * {@link BUSY_LOCK} when PVE gave up waiting for the config flock another task holds (`can't lock
 * file '/run/lock/lxc/pve-config-101.lock' - got timeout`): both clear by themselves, so both are
 * waited out. Undefined for any other failure.
 */
export function lockIn(err: unknown): string | undefined {
  const text = pveText(err);
  if (text === undefined) return undefined;
  if (/can't lock file .*got timeout/i.test(text)) return BUSY_LOCK;
  if (/\bis locked\b|\blocked \(/i.test(text)) return /\(([^)]+)\)/.exec(text)?.[1] ?? 'locked';
  return undefined;
}

/** True when a request or a task failed because the guest is locked or its config flock is busy. */
export function isLocked(err: unknown): boolean {
  return lockIn(err) !== undefined;
}

/** The text PVE gave for a failed task or request, if it was either. */
export function pveText(err: unknown): string | undefined {
  if (err instanceof PveTaskError) return err.exitstatus;
  if (err instanceof PveHttpError) return err.reason;
  return undefined;
}

/** TLS verification failures Node reports by code (an untrusted or self-signed certificate, a wrong host). */
function isTlsFailure(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/.test(code));
}

/** Node's own advice in a TLS message (`try running Node.js with --use-system-ca`) is about its flags, not drowse's settings. */
function withoutNodeAdvice(text: string): string {
  return text.split(';').filter((part) => !/--use-system-ca/.test(part)).join(';').trim();
}

/** Maps anything the client, a task or the socket threw to a ProviderError naming the call. */
export function toProviderError(err: unknown, site: CallSite, abort?: AbortCause): ProviderError {
  if (err instanceof ProviderError) return err;
  if (err instanceof PveTimeoutError) return pveError(site, 'timeout', `PVE did not answer within ${formatDuration(err.timeoutMs)}`, { cause: err });
  if (abort?.timedOut) return pveError(site, 'timeout', `timed out after ${formatDuration(abort.timeoutMs)}`, { cause: err });
  if (abort?.aborted) return pveError(site, 'aborted', 'aborted by the caller', { cause: err });
  if (err instanceof PveTaskError) {
    const reason: ProviderErrorReason = /not running|already running|not suspended/i.test(err.exitstatus) ? 'conflict' : 'failed';
    return pveError(site, reason, err.message, { cause: err });
  }
  if (err instanceof PveHttpError) {
    const extra = { statusCode: err.status, cause: err };
    if (err.status === 401) return pveError(site, 'denied', `authentication failed for token ${site.tokenId}: ${err.reason}`, extra);
    if (err.status === 403) return pveError(site, 'denied', `permission denied for token ${site.tokenId}: ${err.reason}`, extra);
    if (UNREACHABLE_STATUSES.has(err.status)) return pveError(site, 'unreachable', `PVE unreachable: HTTP ${err.status} ${err.reason}`, extra);
    const params = Object.entries(err.errors).map(([k, v]) => `${k}: ${v}`).join('; ');
    return pveError(site, 'failed', `PVE answered HTTP ${err.status}: ${err.reason}${params ? ` (${params})` : ''}`, extra);
  }
  // A certificate not trusted stays untrusted however often it is asked: the settings must change,
  // so these are 'config', not 'unreachable' (which holds requests as if the cluster were down).
  const key = `providers.proxmox.${site.provider}`;
  if (err instanceof PveFingerprintError) {
    return pveError(site, 'config', `${err.message} (pin the node certificate's SHA-256 with ${key}.fingerprint, or trust the cluster CA with ${key}.ca)`, { cause: err });
  }
  const code = (err as { code?: unknown } | null)?.code;
  const text = errorMessage(err);
  if (isTlsFailure(err)) {
    return pveError(site, 'config', `TLS: ${withoutNodeAdvice(text)} (trust the cluster CA with ${key}.ca, pin the node certificate with ${key}.fingerprint, or on a lab box set ${key}.tls_insecure)`, { cause: err });
  }
  if ((typeof code === 'string' && UNREACHABLE_CODES.has(code)) || /socket hang up/i.test(text)) {
    return pveError(site, 'unreachable', `PVE unreachable: ${text}`, { cause: err });
  }
  return pveError(site, 'failed', text, { cause: err });
}
