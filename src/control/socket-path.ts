import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Where the control socket lives when the config does not say: /run/drowse for root (as a system
 * service would have it), the user's runtime dir otherwise, so `npm start` works without privileges.
 */
export function defaultControlSocket(env: NodeJS.ProcessEnv = process.env): string {
  if (process.getuid?.() === 0) return '/run/drowse/control.sock';
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime) return path.join(runtime, 'drowse', 'control.sock');
  return path.join(os.tmpdir(), `drowse-${process.getuid?.() ?? 'user'}`, 'control.sock');
}

/** The unix socket the control API binds for this config: none when it listens on TCP. */
export function controlSocketOf(control: { readonly socket?: string; readonly listen?: string }): string | undefined {
  return control.listen ? undefined : control.socket ?? defaultControlSocket();
}

/** The control socket's path is taken: a live process answers there, or it is not a socket at all. */
export class ControlSocketTakenError extends Error {
  override readonly name = 'ControlSocketTakenError';
  readonly socket: string;
  constructor(socket: string, message: string, options?: { cause?: unknown }) {
    super(`control socket ${socket}: ${message}`, options);
    this.socket = socket;
  }
}

/** Which file a socket is, to tell ours from one put in its place. */
export interface SocketIdentity {
  readonly dev: number;
  readonly ino: number;
}

/**
 * Makes sure binding `socket` takes nothing from anyone: resolves when there is no file or only a
 * stale socket (nobody accepts on it: a crashed or killed run), rejects with a
 * ControlSocketTakenError when a process answers there or the path is not a socket. Replacing a
 * live socket would leave that drowse unreachable, and removing it at exit would do so for good.
 */
export async function ensureSocketFree(socket: string, timeoutMs = 1000): Promise<void> {
  let stat;
  try {
    stat = await fs.lstat(socket);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new ControlSocketTakenError(socket, `cannot look at it (${(err as NodeJS.ErrnoException).code ?? errorText(err)}); set control.socket to a path this user may use`, { cause: err });
  }
  if (!stat.isSocket()) throw new ControlSocketTakenError(socket, 'there is a file there that is not a socket; remove it or set control.socket to another path');
  const answer = await knock(socket, timeoutMs);
  if (answer === 'stale') return;
  if (answer === 'drowse') throw new ControlSocketTakenError(socket, 'a drowse is already running there (it answered); stop it first, or give this one its own control.socket');
  throw new ControlSocketTakenError(socket, 'another process is listening there; stop it or set control.socket to another path');
}

/** The identity of the file at `socket` now; undefined when there is none. */
export async function socketIdentity(socket: string): Promise<SocketIdentity | undefined> {
  const s = await fs.lstat(socket).catch(() => undefined);
  return s ? { dev: s.dev, ino: s.ino } : undefined;
}

/** Who is at the socket: nobody (stale), a drowse (its /health answers), or some other process. */
async function knock(socket: string, timeoutMs: number): Promise<'stale' | 'drowse' | 'other'> {
  const accepted = await new Promise<boolean>((resolve, reject) => {
    const c = net.connect(socket);
    c.setTimeout(timeoutMs, () => c.destroy(new Error('timed out')));
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', (err: NodeJS.ErrnoException) => {
      // Refused: a socket file with nobody accepting. Vanished meanwhile: nobody there either.
      if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') resolve(false);
      // A listener too busy to accept within the time is still a listener.
      else if (err.message === 'timed out') resolve(true);
      else reject(new ControlSocketTakenError(socket, `cannot connect to it (${err.code ?? err.message}); set control.socket to a path this user may use`, { cause: err }));
    });
  });
  if (!accepted) return 'stale';
  return (await answersHealth(socket, timeoutMs)) ? 'drowse' : 'other';
}

function answersHealth(socket: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath: socket, path: '/health', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
