/**
 * Runs the real `drowse serve` CLI as a child process (Node 24 running src/main.ts), for tests
 * that need what only a process has: signals, exit codes, the environment systemd sets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = path.join(root, 'src/main.ts');

/** How a child ended: its exit code, or the signal that ended it. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Date.now() when it ended. */
  readonly at: number;
}

/** A running `drowse serve`. */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<Exit>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  /** The control socket of this drowse. */
  readonly controlSocket: string;
}

/**
 * Writes `yaml` (after a control socket of its own in a temp dir, and `DROWSE_CONFIG` cleared)
 * and starts `drowse serve -c` on it; the child is killed when the test ends. `env` replaces
 * variables (undefined removes one, e.g. NOTIFY_SOCKET). `script` is what Node runs: src/main.ts
 * unless told (the bundle, say).
 */
export async function launchServe(t: { after(fn: () => unknown): void }, yaml: string, env: Readonly<Record<string, string | undefined>> = {}, script: string = main): Promise<ServeProcess> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-serve-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const controlSocket = path.join(dir, 'control.sock');
  const file = path.join(dir, 'drowse.yaml');
  await fs.writeFile(file, `control: { socket: ${JSON.stringify(controlSocket)} }\n${yaml}`);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DROWSE_CONFIG: '' };
  for (const key of ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID']) delete childEnv[key];
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = value;
  }
  const child = spawn(process.execPath, [script, 'serve', '-c', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  if (child.pid === undefined) throw new Error('drowse serve did not start');
  const logs = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, pid: child.pid, exited, output: () => out, logs, controlSocket };
}
