/**
 * A unix socket in front of the Docker engine's that counts what drowse asks it: each HTTP request
 * line drowse writes (method and path, query dropped). The start-up benchmark points drowse at it
 * to show how many event streams it opens per engine and how often it calls the engine at idle.
 * Bytes pass through untouched in both directions.
 */
import net from 'node:net';
import { rm } from 'node:fs/promises';

/** A request line at the start of a chunk or after a CRLF: how HTTP/1.1 requests follow one another. */
const REQUEST_LINE = /(?:^|\r\n)(GET|POST|PUT|DELETE|HEAD) (\/[^ ?]*)[^ ]* HTTP\/1\.[01]\r\n/g;

export interface EngineTap {
  readonly socket: string;
  /** Requests seen since start (or the last reset), by "METHOD /path" with version prefixes ("/v1.41") dropped. */
  counts(): Map<string, number>;
  reset(): void;
  close(): Promise<void>;
}

export async function startEngineTap(socket: string, engine = '/var/run/docker.sock'): Promise<EngineTap> {
  let seen = new Map<string, number>();
  const conns = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(engine);
    conns.add(client).add(upstream);
    const end = () => { client.destroy(); upstream.destroy(); conns.delete(client); conns.delete(upstream); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString('latin1').matchAll(REQUEST_LINE)) {
        const key = `${m[1]} ${(m[2] ?? '').replace(/^\/v\d+\.\d+/, '').replace(/\/containers\/(?!json$)[^/]+/, '/containers/{id}')}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await rm(socket, { force: true });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socket, () => resolve()));
  return {
    socket,
    counts: () => new Map(seen),
    reset: () => { seen = new Map(); },
    close: async () => {
      for (const c of conns) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socket, { force: true });
    },
  };
}
