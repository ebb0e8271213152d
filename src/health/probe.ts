/**
 * Probes are plain async functions: resolve when the target answers, reject with the reason when it
 * does not. Each one is cut at its own timeout so a hanging target never holds up a wake.
 */
import net from 'node:net';
import http from 'node:http';

/** One readiness or liveness check. */
export type Probe = (signal: AbortSignal) => Promise<void>;

/** Why a probe failed, with the target in the message. */
export class ProbeError extends Error {
  override readonly name = 'ProbeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Succeeds when a TCP connection to host:port is accepted. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Probe {
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      const attempt = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
      const socket = net.connect({ host, port, signal: attempt });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', (err) => reject(new ProbeError(`tcp ${host}:${port}: ${describe(err)}`, { cause: err })));
    });
}

/** Succeeds when GET url answers with a status below 500: the app is up, whatever it thinks of "/". */
export function httpProbe(url: URL, timeoutMs: number): Probe {
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      const attempt = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
      const req = http.request(url, { method: 'GET', signal: attempt, agent: false, headers: { 'user-agent': 'drowse-probe' } }, (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status < 500) resolve();
        else reject(new ProbeError(`http ${url.href}: status ${status}`));
      });
      req.once('error', (err) => reject(new ProbeError(`http ${url.href}: ${describe(err)}`, { cause: err })));
      req.end();
    });
}

/** Runs probes in order; all must pass. */
export function allOf(...probes: Probe[]): Probe {
  return async (signal) => {
    for (const p of probes) await p(signal);
  };
}

function describe(err: Error): string {
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return 'timed out';
  return (err as NodeJS.ErrnoException).code ?? err.message;
}
