/**
 * The connection cap. Node's own `server.maxConnections` destroys sockets over the limit, which a
 * client sees as a reset it cannot tell from a crash; here a socket over the cap is answered a
 * bare 503 with Retry-After before any byte of it is parsed, then closed. Established
 * connections are untouched.
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import type { Socket } from 'node:net';
import { RETRY_AFTER_SECONDS } from './answer.ts';

const OVER_LIMIT_BODY = '503 Service Unavailable: too many connections\n';
const OVER_LIMIT =
  `HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${RETRY_AFTER_SECONDS}\r\nConnection: close\r\n` +
  `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(OVER_LIMIT_BODY)}\r\n\r\n${OVER_LIMIT_BODY}`;
/** An over-limit socket that does not read its answer is cut after this long. */
const LINGER_MS = 2_000;

/**
 * Puts a cap in front of the server's HTTP handling: http.Server parses every socket its
 * 'connection' listener is given, so that listener is taken over and called only for sockets
 * under the cap. Returns the number of open connections, for logs and tests.
 */
export function capConnections(server: http.Server, max: number, onRefused: () => void): () => number {
  const handlers = server.listeners('connection') as Array<(socket: Socket) => void>;
  if (handlers.length !== 1) throw new Error(`http entrypoint: expected one connection handler on the server, found ${handlers.length}`);
  const [parse] = handlers as [(socket: Socket) => void];
  server.removeListener('connection', parse);
  let open = 0;
  server.on('connection', (socket: Socket) => {
    if (open >= max) {
      onRefused();
      socket.on('error', () => socket.destroy());
      socket.once('end', () => socket.destroy());
      socket.end(OVER_LIMIT);
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
      // Whatever it sent is never read as a request.
      socket.resume();
      return;
    }
    open++;
    socket.once('close', () => open--);
    parse.call(server, socket);
  });
  return () => open;
}

/** File descriptors kept free for everything else: upstream and engine sockets, the event log, TCP routes. */
const RESERVED_FDS = 128;
/** The cap when the open-files limit cannot be read (not Linux). */
const FALLBACK_MAX = 1_000;

/**
 * The default cap, from the open-files limit the process has (Node raises its soft limit to the
 * hard one at start): half of what remains after a reserve, since each proxied client connection
 * also holds one to its upstream. 1,024 open files give 448 connections.
 */
export function defaultMaxConnections(limits = readLimits()): number {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits ?? '');
  if (!match) return FALLBACK_MAX;
  const fds = match[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(match[1]);
  return Math.max(16, Math.min(65_536, Math.floor((fds - RESERVED_FDS) / 2)));
}

function readLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}
