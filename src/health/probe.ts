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

/** Status ranges, inclusive; the default is anything below 500: the app is up, whatever it thinks of the path. */
export type StatusRanges = readonly (readonly [number, number])[];
const BELOW_500: StatusRanges = [[100, 499]];

/** Succeeds when GET url answers with an expected status (any below 500 unless told). */
export function httpProbe(url: URL, timeoutMs: number, expect: StatusRanges = BELOW_500): Probe {
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      const attempt = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
      const req = http.request(url, { method: 'GET', signal: attempt, agent: false, headers: { 'user-agent': 'drowse-probe' } }, (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (expect.some(([lo, hi]) => status >= lo && status <= hi)) resolve();
        else reject(new ProbeError(`http ${url.href}: status ${status}`));
      });
      req.once('error', (err) => reject(new ProbeError(`http ${url.href}: ${describe(err)}`, { cause: err })));
      req.end();
    });
}

/**
 * Succeeds when a command run inside the workload exits 0. `run` is the provider's exec; the attempt
 * is cut at the timeout (the command itself may linger inside the container: Docker cannot kill an exec).
 */
export function execProbe(command: readonly string[], run: (command: readonly string[], signal: AbortSignal) => Promise<{ exitCode: number; output: string }>, timeoutMs: number): Probe {
  const label = command.join(' ');
  return async (signal) => {
    const attempt = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    let result: { exitCode: number; output: string };
    try {
      result = await run(command, attempt);
    } catch (err) {
      throw new ProbeError(`exec ${label}: ${attempt.aborted && !signal.aborted ? 'timed out' : describe(err as Error)}`, { cause: err });
    }
    if (result.exitCode !== 0) {
      const out = result.output.trim().split('\n').at(-1)?.slice(0, 200);
      throw new ProbeError(`exec ${label}: exit code ${result.exitCode}${out ? ` (${out})` : ''}`);
    }
  };
}

/** The verdict of a health check the workload runs itself (a Docker HEALTHCHECK); undefined when it has none. */
export type OwnHealth = 'starting' | 'healthy' | 'unhealthy' | undefined;

/** Succeeds when the workload's own health check says healthy. */
export function ownHealthProbe(read: (signal: AbortSignal) => Promise<OwnHealth>, timeoutMs: number): Probe {
  return async (signal) => {
    const attempt = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    const health = await read(attempt);
    if (health === 'healthy') return;
    throw new ProbeError(health === undefined ? 'HEALTHCHECK: the container defines none (or is not running)' : `HEALTHCHECK: ${health}`);
  };
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
