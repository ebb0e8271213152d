/**
 * The one place where errors become HTTP answers. Clients that accept JSON get RFC 9457
 * `application/problem+json`; everyone else plain text. Nothing here renders HTML, so nothing a
 * client sent can be interpreted as markup.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HeldTooLongError, WakeFailedError } from '../../service/index.ts';
import { BadRequestError, LoopDetectedError, MethodNotAllowedError, NoRouteError, NotAStartEndpointError, NotFoundError, OverLimitError, ShuttingDownError, UpstreamError, WakeDeniedError } from './errors.ts';

/** Seconds a client should wait before retrying a service that is not ready. */
export const RETRY_AFTER_SECONDS = 5;

interface Answer {
  readonly status: number;
  /** The kind of failure, when a wake failed: clients can tell a timeout from an unreachable backend. */
  readonly code?: string;
  readonly title: string;
  readonly retryAfter?: number;
  readonly allow?: string;
}

/** Maps an error to its status; unknown errors are 500 and never show their message to the client. */
export function answerFor(err: unknown): Answer & { readonly detail: string } {
  if (err instanceof NoRouteError || err instanceof NotFoundError) return { status: 404, title: 'Not Found', detail: err.message };
  if (err instanceof BadRequestError) return { status: 400, title: 'Bad Request', detail: err.message };
  if (err instanceof NotAStartEndpointError) return { status: 403, title: 'Forbidden', detail: err.message };
  if (err instanceof MethodNotAllowedError) return { status: 405, title: 'Method Not Allowed', allow: err.allow, detail: err.message };
  if (err instanceof WakeFailedError) {
    // The public notice only: the full reason can carry probe URLs, commands and engine errors.
    return { status: 503, title: 'Service Unavailable', retryAfter: err.retryAfterSeconds() ?? RETRY_AFTER_SECONDS, detail: err.notice, code: err.code };
  }
  if (err instanceof HeldTooLongError || err instanceof WakeDeniedError || err instanceof OverLimitError || err instanceof ShuttingDownError) {
    return { status: 503, title: 'Service Unavailable', retryAfter: RETRY_AFTER_SECONDS, detail: err.message };
  }
  // The message names the target, which is for the log; the client learns only that it loops.
  if (err instanceof LoopDetectedError) return { status: 508, title: 'Loop Detected', detail: `service "${err.service}": its target leads back to drowse itself (a proxy loop)` };
  if (err instanceof UpstreamError) return { status: 502, title: 'Bad Gateway', detail: err.message };
  return { status: 500, title: 'Internal Server Error', detail: 'drowse failed to handle the request' };
}

/** Writes the answer for `err`, unless the response has already started (then the connection is cut). */
export function answerError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const a = answerFor(err);
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (a.retryAfter !== undefined) headers['retry-after'] = String(a.retryAfter);
  if (a.allow !== undefined) headers.allow = a.allow;
  // After a malformed request nothing else on the connection is trusted.
  if (a.status === 400) headers.connection = 'close';
  let body: string;
  if (acceptsJson(req.headers.accept)) {
    headers['content-type'] = 'application/problem+json';
    body = JSON.stringify({ type: 'about:blank', title: a.title, status: a.status, detail: a.detail, ...(a.code === undefined ? {} : { code: a.code }) });
  } else {
    headers['content-type'] = 'text/plain; charset=utf-8';
    body = `${a.status} ${a.title}: ${a.detail}\n`;
  }
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(a.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Answers a WebSocket upgrade that cannot go through: a bare status line, since no HTTP response object exists. */
export function answerUpgradeError(socket: Duplex, err: unknown): void {
  if (socket.destroyed) return;
  const a = answerFor(err);
  const retry = a.retryAfter === undefined ? '' : `Retry-After: ${a.retryAfter}\r\n`;
  const allow = a.allow === undefined ? '' : `Allow: ${a.allow}\r\n`;
  socket.end(`HTTP/1.1 ${a.status} ${a.title}\r\n${retry}${allow}Connection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** True when the Accept header names JSON (application/json, application/problem+json, or any +json type). */
export function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const type = part.split(';')[0]?.trim().toLowerCase() ?? '';
    return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
  });
}
