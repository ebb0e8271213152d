import { formatDuration, errorMessage } from '../../kernel/index.ts';
import { ProviderError, type ProviderErrorReason } from '../errors.ts';

/** Where a Docker call failed, to name it in the error. */
export interface CallSite {
  readonly provider: string;
  readonly op: string;
  readonly ref?: string;
}

/** How a call's abort came about, so an abort can be told apart from a deadline. */
export interface AbortCause {
  /** The call's own deadline passed. */
  readonly timedOut: boolean;
  readonly timeoutMs: number;
  /** The caller's signal aborted. */
  readonly aborted: boolean;
}

/** Socket-level failures that mean the engine is not there (as opposed to an engine that said no). */
const UNREACHABLE_CODES = new Set([
  'ENOENT', 'EACCES', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'ERR_SOCKET_CLOSED', 'UND_ERR_SOCKET',
]);

/** Builds a ProviderError for the Docker backend. */
export function dockerProviderError(site: CallSite, reason: ProviderErrorReason, detail: string, extra: { statusCode?: number; cause?: unknown } = {}): ProviderError {
  return new ProviderError({ kind: 'docker', ...site, reason, detail, ...extra });
}

/**
 * Turns whatever dockerode or the socket threw into a ProviderError. dockerode errors carry
 * `statusCode` and the engine's `json.message`; socket errors carry a `code`.
 */
export function toProviderError(err: unknown, site: CallSite, abort?: AbortCause): ProviderError {
  if (err instanceof ProviderError) return err;
  if (abort?.timedOut) return dockerProviderError(site, 'timeout', `timed out after ${formatDuration(abort.timeoutMs)}`, { cause: err });
  if (abort?.aborted) return dockerProviderError(site, 'aborted', 'aborted by the caller', { cause: err });
  const statusCode = numberField(err, 'statusCode');
  if (statusCode !== undefined) {
    const message = engineMessage(err);
    const reason: ProviderErrorReason = statusCode === 404 ? 'not_found' : statusCode === 409 ? 'conflict' : 'failed';
    const detail = statusCode === 404 ? `no such container${message ? ` (${message})` : ''}` : `engine answered HTTP ${statusCode}${message ? `: ${message}` : ''}`;
    return dockerProviderError(site, reason, detail, { statusCode, cause: err });
  }
  const code = stringField(err, 'code');
  const text = errorMessage(err);
  if ((code !== undefined && UNREACHABLE_CODES.has(code)) || /socket hang up|certificate|tls|ssl/i.test(text)) {
    return dockerProviderError(site, 'unreachable', `engine unreachable: ${text}`, { cause: err });
  }
  return dockerProviderError(site, 'failed', text, { cause: err });
}

/** The engine's own words from a dockerode error (`{"message": "..."}` body), when present. */
export function engineMessage(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('json' in err)) return undefined;
  const json = err.json;
  if (typeof json === 'object' && json !== null && 'message' in json && typeof json.message === 'string') return json.message;
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString('utf8').trim();
  // Streaming calls (events) keep the body only in the message: "(HTTP code 500) server error - <body> ".
  const text = err instanceof Error ? err.message : '';
  const tail = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(text)?.[1]?.trim();
  return tail && tail !== '[object Object]' ? tail : undefined;
}

/** The HTTP status of a dockerode error, if the engine answered. */
export function statusCodeOf(err: unknown): number | undefined {
  return numberField(err, 'statusCode');
}

function numberField(err: unknown, key: string): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const value: unknown = (err as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : undefined;
}

function stringField(err: unknown, key: string): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const value: unknown = (err as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}
