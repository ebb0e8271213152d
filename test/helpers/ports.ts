import { connect, createServer } from 'node:net';

/**
 * Ports handed to test apps come from below Linux's ephemeral range (32768–60999), never from it.
 * A port the OS picked for us (listen on 0) can be picked again a moment later for someone else's
 * listen(0) — drowse's own entrypoint in the same test — and an app target that lands on drowse
 * itself makes a proxy loop. Ports from outside the range are also never a probe's own source port,
 * so a probe cannot connect to itself while the app is not yet listening.
 */
const RANGE = { low: 20_000, high: 32_000 } as const;
const handedOut = new Set<number>();

/** A TCP port free on 127.0.0.1 right now, outside the ephemeral range, not handed out before in this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = RANGE.low + Math.floor(Math.random() * (RANGE.high - RANGE.low));
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`freePort: no free port in ${RANGE.low}-${RANGE.high} after 200 tries`);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port (an app finished starting). */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
