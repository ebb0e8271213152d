/**
 * Processes under measurement: started pinned to a core (taskset execs the program, so the pid is
 * the program's), ready when their port accepts, stopped by pid; RSS and CPU read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { connect } from 'node:net';

/** Core 0 runs the proxy under test; core 1 the backend and the load generator. */
export const PROXY_CPU = '0';
export const LOAD_CPU = '1';

export interface Started {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Spawn → port accepting, in ms. */
  readonly readyMs: number;
  /** The command line as run, for the results. */
  readonly command: string;
  stop(): Promise<void>;
  /** Everything the process wrote to stderr so far (its own logs, for failures). */
  stderr(): string;
}

export interface StartOptions {
  readonly name: string;
  readonly cpu: string;
  readonly cmd: string;
  readonly args: readonly string[];
  /** Ready once 127.0.0.1:port accepts a TCP connection. */
  readonly port: number;
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export async function startPinned(opts: StartOptions): Promise<Started> {
  const args = ['-c', opts.cpu, opts.cmd, ...opts.args];
  const started = performance.now();
  const child = spawn('taskset', args, { stdio: ['ignore', 'ignore', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => { if (err.length < 64_000) err += c.toString(); });
  let exited: string | undefined;
  child.once('exit', (code, signal) => { exited = `exited ${code ?? signal}`; });
  const stop = () => stopChild(child);
  try {
    await waitPort(opts.port, opts.timeoutMs ?? 30_000, () => exited);
  } catch (e) {
    await stop();
    throw new Error(`${opts.name} did not listen on 127.0.0.1:${opts.port}: ${(e as Error).message}\n${err.slice(-2000)}`, { cause: e });
  }
  const readyMs = performance.now() - started;
  if (child.pid === undefined) throw new Error(`${opts.name}: no pid`);
  return { name: opts.name, pid: child.pid, child, readyMs, command: `taskset ${args.join(' ')}`, stop, stderr: () => err };
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(kill); resolve(); });
    child.kill('SIGTERM');
  });
}

/** Polls a TCP connect to 127.0.0.1:port every 2 ms (a connect is cheap) until it is accepted. */
export async function waitPort(port: number, timeoutMs: number, gone: () => string | undefined = () => undefined): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await canConnect(port)) return;
    const why = gone();
    if (why) throw new Error(why);
    if (performance.now() > deadline) throw new Error(`nothing accepted within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

/** The pid and its descendants (nginx's workers, for one): memory counts the whole tree. */
export async function processTree(pid: number): Promise<number[]> {
  const out = [pid];
  for (let i = 0; i < out.length && i < 256; i++) {
    const tasks = await readdir(`/proc/${out[i]}/task`).catch(() => [] as string[]);
    for (const task of tasks) {
      const children = await readFile(`/proc/${out[i]}/task/${task}/children`, 'utf8').catch(() => '');
      for (const c of children.split(' ').filter(Boolean)) out.push(Number(c));
    }
  }
  return out;
}

export interface Memory {
  /** Resident set now, MB (summed over the process tree). */
  readonly rssMB: number;
  /** High-water mark of the resident set, MB (summed over the tree). */
  readonly hwmMB: number;
}

export async function memory(pid: number): Promise<Memory> {
  let rss = 0;
  let hwm = 0;
  for (const p of await processTree(pid)) {
    const status = await readFile(`/proc/${p}/status`, 'utf8').catch(() => '');
    rss += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    hwm += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return { rssMB: rss / 1024, hwmMB: hwm / 1024 };
}

/** Samples memory every intervalMs until stopped; returns the largest RSS seen and the last HWM. */
export function sampleMemory(pid: number, intervalMs = 200): { stop(): Promise<Memory> } {
  let max = 0;
  let hwm = 0;
  const tick = async () => {
    const m = await memory(pid);
    max = Math.max(max, m.rssMB);
    hwm = Math.max(hwm, m.hwmMB);
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await tick();
      return { rssMB: max, hwmMB: hwm };
    },
  };
}

/** CPU time (user + system) of the process tree in seconds, from /proc/PID/stat (clock ticks of 1/100 s). */
export async function cpuSeconds(pid: number): Promise<number> {
  let ticks = 0;
  for (const p of await processTree(pid)) {
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '');
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return ticks / 100;
}

/** Share of one core used over windowS seconds of idle, in percent. */
export async function idleCpuPercent(pid: number, windowS: number): Promise<number> {
  const before = await cpuSeconds(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, windowS * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  return ((await cpuSeconds(pid)) - before) / elapsed * 100;
}

/** Runs a command to completion with a deadline; resolves with stdout. */
export function run(cmd: string, args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} ${signal ? `killed by ${signal}` : `exited ${code}`}: ${(err || out).trim().slice(-2000)}`));
    });
  });
}
