import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One request the fake engine received, with the API version prefix stripped from the path. */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: string;
}

/** Answers one request; write to `res` (or never, to simulate a hung engine). */
export type FakeHandler = (req: FakeRequest, res: ServerResponse) => void | Promise<void>;

/** A hand-written Docker engine on a unix socket, for failure injection (hangs, 500s, API versions). */
export interface FakeDockerEngine {
  readonly socket: string;
  /** Every request so far, in order. */
  readonly requests: FakeRequest[];
  close(): Promise<void>;
}

/** Starts a fake engine that answers with `handler`. */
export async function fakeDockerEngine(handler: FakeHandler): Promise<FakeDockerEngine> {
  const dir = await mkdtemp(join(tmpdir(), 'drowse-fake-docker-'));
  const socket = join(dir, 'docker.sock');
  const requests: FakeRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://engine');
      const fake: FakeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname.replace(/^\/v\d+\.\d+/, ''),
        query: url.searchParams,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(fake);
      Promise.resolve(handler(fake, res)).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(err) }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A minimal `docker inspect` body. */
export function inspectBody(name: string, state: { Status: string; ExitCode?: number; StopSignal?: string; Health?: string }): unknown {
  const running = state.Status === 'running' || state.Status === 'paused' || state.Status === 'restarting';
  return {
    Id: 'f'.repeat(64),
    Name: `/${name}`,
    State: {
      Status: state.Status,
      Running: running,
      Paused: state.Status === 'paused',
      Restarting: state.Status === 'restarting',
      ExitCode: state.ExitCode ?? 0,
      ...(state.Health ? { Health: { Status: state.Health, FailingStreak: 0, Log: [] } } : {}),
    },
    Config: {
      ...(state.StopSignal ? { StopSignal: state.StopSignal } : {}),
      ...(state.Health ? { Healthcheck: { Test: ['CMD', 'true'] } } : {}),
    },
  };
}
