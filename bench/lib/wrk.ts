/** wrk runs (pinned to the load core) and the parsing of their output. */
import { LOAD_CPU, run } from './proc.ts';

export interface WrkResult {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Connect/read/write/timeout errors plus non-2xx/3xx answers. */
  readonly errors: number;
  readonly command: string;
}

export interface WrkOptions {
  readonly wrk: string;
  readonly url: string;
  readonly host?: string;
  readonly connections: number;
  readonly threads?: number;
  readonly durationS: number;
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const args = ['-c', LOAD_CPU, o.wrk, `-t${o.threads ?? 2}`, `-c${o.connections}`, `-d${o.durationS}s`, '--latency', '--timeout', '10s'];
  if (o.host) args.push('-H', `Host: ${o.host}`);
  args.push(o.url);
  const out = await run('taskset', args, (o.durationS + 30) * 1000);
  return { ...parseWrk(out), command: `taskset ${args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}` };
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function ms(value: string | undefined, unit: string | undefined): number {
  return value === undefined || unit === undefined ? Number.NaN : Number(value) * (UNIT_MS[unit] ?? Number.NaN);
}

/** Parses `wrk --latency` output: Requests/sec, the 50 % and 99 % lines, totals and errors. */
export function parseWrk(out: string): Omit<WrkResult, 'command'> {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const p = (q: string) => {
    const m = new RegExp(`^\\s*${q}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return ms(m?.[1], m?.[2]);
  };
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? Number.NaN);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = non2xx + (socket ? socket.slice(1).reduce((s, v) => s + Number(v), 0) : 0);
  if (!Number.isFinite(rps)) throw new Error(`wrk output without Requests/sec:\n${out}`);
  return { rps, p50Ms: p('50'), p99Ms: p('99'), requests, errors };
}
