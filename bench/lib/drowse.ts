/**
 * drowse under test: the real daemon from this checkout as `npm start` runs it (`node
 * dist/drowse.cjs serve -c <yaml>`, bundled first when src is newer), pinned to core 0, with a config
 * generated into a temp dir. The build matters: running src/ through type stripping costs start-up
 * time and memory users never pay.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../../test/helpers/index.ts';
import { PROXY_CPU, startPinned, type Started } from './proc.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const BUILT = path.join(REPO_ROOT, 'dist', 'drowse.cjs');

/** The newest modification time of any file below dir. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

let built = false;
/** Builds dist/ (`npm run build`'s script) once per run when it is missing or older than src/ or the build script. */
function ensureBuilt(): string {
  const script = path.join(REPO_ROOT, 'scripts', 'build.ts');
  if (!built && (!existsSync(BUILT) || statSync(BUILT).mtimeMs < Math.max(newest(path.join(REPO_ROOT, 'src')), statSync(script).mtimeMs))) {
    execFileSync(process.execPath, [script], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  built = true;
  return BUILT;
}

/**
 * The Node flags `npm start` passes (package.json's start script): drowse is measured as it runs.
 * BENCH_NODE_FLAGS, when set, replaces them (to measure another choice with any benchmark).
 */
export function startFlags(): string[] {
  const override = process.env['BENCH_NODE_FLAGS'];
  if (override !== undefined) return override.split(/\s+/).filter(Boolean);
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf('dist/drowse.cjs'));
}

export interface BenchService {
  readonly name: string;
  readonly container: string;
  readonly host: string;
  readonly target: string;
}

export interface RunningDrowse extends Started {
  readonly port: number;
  readonly controlSocket: string;
  readonly configFile: string;
}

export function drowseYaml(port: number, controlSocket: string, services: readonly BenchService[], engineSocket = '/var/run/docker.sock'): string {
  const lines = [
    `entrypoints: { http: "127.0.0.1:${port}" }`,
    `control: { socket: ${JSON.stringify(controlSocket)} }`,
    'log: { level: warn }',
    `providers: { docker: { local: { socket: ${JSON.stringify(engineSocket)} } } }`,
    // kill: the busybox workloads run as PID 1 and ignore SIGTERM; a stop would wait out stop_timeout.
    'defaults: { idle_timeout: 1h, stop_method: kill }',
    'services:',
  ];
  for (const s of services) {
    lines.push(`  ${s.name}:`, `    docker: { container: ${s.container} }`, `    http: { host: ${s.host}, target: "${s.target}" }`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Starts drowse and waits for its entrypoint; `gc` adds --expose-gc and a SIGUSR2 → gc() hook;
 * `engineSocket` is where drowse finds the Docker engine (an EngineTap's, to count its calls);
 * `nodeFlags` replaces the flags `npm start` passes Node (to compare them).
 */
export async function startDrowse(dir: string, services: readonly BenchService[], opts: { gc?: boolean; timeoutMs?: number; env?: NodeJS.ProcessEnv; engineSocket?: string; nodeFlags?: readonly string[] } = {}): Promise<RunningDrowse> {
  const port = await freePort();
  const controlSocket = path.join(dir, `control-${port}.sock`);
  const configFile = path.join(dir, `drowse-${port}.yaml`);
  await writeFile(configFile, drowseYaml(port, controlSocket, services, opts.engineSocket));
  const flags = opts.gc ? ['--expose-gc', '--import', path.join(import.meta.dirname, 'gc-on-signal.ts')] : [];
  const s = await startPinned({
    name: 'drowse',
    cpu: PROXY_CPU,
    cmd: process.execPath,
    args: [...(opts.nodeFlags ?? startFlags()), ...flags, ensureBuilt(), 'serve', '-c', configFile],
    port,
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    timeoutMs: opts.timeoutMs ?? 60_000,
  });
  return { ...s, port, controlSocket, configFile };
}

/** GET path on drowse with Host: host; the status and body. */
export function get(port: number, host: string, urlPath: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: urlPath, headers: { host }, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The service's public state (/__drowse/status). */
export async function state(d: RunningDrowse, host: string): Promise<string> {
  const r = await get(d.port, host, '/__drowse/status');
  return (JSON.parse(r.body) as { state?: string }).state ?? `?${r.status}`;
}

/** Polls the state every 10 ms until it is one of `want` (bounded); the one it found. */
export async function waitState(d: RunningDrowse, host: string, want: readonly string[], timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await state(d, host).catch((e: unknown) => String(e));
    if (want.includes(last)) return last;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`drowse: ${host} stayed "${last}", wanted ${want.join('|')} within ${timeoutMs} ms`);
}

/** POST /services/NAME/sleep (or wake) on the control socket. */
export function control(d: RunningDrowse, name: string, action: 'sleep' | 'wake'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.controlSocket, method: 'POST', path: `/services/${name}/${action}`, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`control ${action} ${name} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
