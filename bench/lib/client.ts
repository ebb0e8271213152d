/**
 * The Node load client, run as its own process pinned to the load core (so it never shares
 * drowse's core):
 *   node bench/lib/client.ts burst PORT HOST PATH N TIMEOUT_MS     N requests at once, one connection each
 *   node bench/lib/client.ts count PORT HOST PATH N CONNS TIMEOUT_MS  N requests over CONNS keep-alive connections
 * Prints one JSON line. Bounded: every request has a timeout and the whole run a deadline.
 */
import { Agent, request } from 'node:http';
import { LOAD_CPU, run } from './proc.ts';
import { quantile } from './stats.ts';

export interface BurstResult {
  readonly sent: number;
  readonly served: number;
  readonly statuses: Record<string, number>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface CountResult {
  readonly done: number;
  readonly errors: number;
  readonly ms: number;
}

function one(port: number, host: string, path: string, timeoutMs: number, agent: Agent | false): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
      res.on('error', () => resolve('reset'));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.message === 'timeout' ? 'timeout' : (e.code ?? 'error')));
    req.end();
  });
}

async function burst(port: number, host: string, path: string, n: number, timeoutMs: number): Promise<BurstResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  await Promise.all(Array.from({ length: n }, async () => {
    const t0 = performance.now();
    const status = await one(port, host, path, timeoutMs, false);
    latencies.push(performance.now() - t0);
    statuses[status] = (statuses[status] ?? 0) + 1;
  }));
  return { sent: n, served: statuses['200'] ?? 0, statuses, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), maxMs: Math.max(...latencies) };
}

async function count(port: number, host: string, path: string, n: number, conns: number, timeoutMs: number): Promise<CountResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: conns });
  const deadline = performance.now() + timeoutMs;
  let next = 0;
  let done = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conns }, async () => {
    while (next < n && performance.now() < deadline) {
      next++;
      if ((await one(port, host, path, 10_000, agent)) === '200') done++;
      else errors++;
    }
  }));
  agent.destroy();
  return { done, errors, ms: performance.now() - t0 };
}

/** Runs this client pinned to the load core and returns its JSON. */
export async function runClient<T>(args: (string | number)[], timeoutMs: number): Promise<{ result: T; command: string }> {
  const argv = ['-c', LOAD_CPU, process.execPath, import.meta.filename, ...args.map(String)];
  const out = await run('taskset', argv, timeoutMs + 30_000);
  return { result: JSON.parse(out) as T, command: `taskset ${argv.join(' ')}` };
}

if (import.meta.main) {
  const [mode, port, host, path, n, a, b] = process.argv.slice(2);
  const out = mode === 'burst'
    ? await burst(Number(port), host ?? '', path ?? '/', Number(n), Number(a))
    : await count(Number(port), host ?? '', path ?? '/', Number(n), Number(a), Number(b));
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
