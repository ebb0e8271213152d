/**
 * The operator's commands against real processes: `drowse check --probe` on this host (the real
 * Docker socket, a user it refuses, a port someone holds), and `drowse status` / `reload` against
 * a running `drowse serve`, found by --control, $DROWSE_CONTROL or the config, with $DROWSE_TOKEN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, requireDocker, waitFor } from '../helpers/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = path.join(root, 'src/main.ts');
const run = promisify(execFile);
const DOCKER_SOCKET = '/var/run/docker.sock';

interface Result { code: number; stdout: string; stderr: string }

/** Runs one drowse command to its end; `prefix` runs it through another program (setpriv). */
async function drowse(args: string[], env: NodeJS.ProcessEnv = {}, prefix: string[] = []): Promise<Result> {
  const [cmd, ...rest] = [...prefix, process.execPath, main, ...args];
  try {
    const { stdout, stderr } = await run(cmd!, rest, { cwd: root, env: { ...process.env, DROWSE_CONFIG: '', DROWSE_CONTROL: '', DROWSE_TOKEN: '', ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-ops-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

function serve(t: { after(fn: () => void): void }, file: string, env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output(): string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [main, 'serve', '-c', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DROWSE_CONFIG: '', ...env } });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => void child.kill('SIGKILL'));
  return { child, output: () => out, exited };
}

test('check --probe passes on this host with the real engine and a free port, exit 0', { timeout: 60_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const dir = await tempDir(t);
  const file = path.join(dir, 'drowse.yaml');
  await fs.writeFile(file, `entrypoints: { http: "127.0.0.1:${await freePort()}" }\ncontrol: { socket: ${dir}/run/control.sock }\nproviders:\n  docker:\n    local: { socket: ${DOCKER_SOCKET} }\n`);
  const r = await drowse(['check', '--probe', '-c', file]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok\s+engine "local"$/m);
  assert.match(r.stdout, /^ok\s+entrypoints\.http$/m);
});

/**
 * Lets another user reach the checkout and the Node binary: a clone in a `mktemp -d` directory or
 * under /root sits behind a directory only root may enter. Only the search (x) bit is added, on the
 * directories that lack it, and each is put back when the test ends.
 */
async function traversableByOthers(t: { after(fn: () => Promise<void>): void }, ...paths: string[]): Promise<void> {
  const dirs = new Set<string>();
  for (const p of paths) for (let d = path.dirname(p); d !== path.dirname(d); d = path.dirname(d)) dirs.add(d);
  for (const d of dirs) {
    const { mode } = await fs.stat(d);
    if ((mode & 0o001) !== 0) continue;
    await fs.chmod(d, mode | 0o001);
    t.after(() => fs.chmod(d, mode & 0o7777));
  }
}

test('check --probe as a user outside the docker group says so with its code and hint, exit 3', { timeout: 60_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  if (process.getuid?.() !== 0) return t.skip('needs root to run the probe as another user');
  await traversableByOthers(t, main, process.execPath);
  const dir = await tempDir(t);
  await fs.chmod(dir, 0o755);
  const file = path.join(dir, 'drowse.yaml');
  await fs.writeFile(file, `entrypoints: { http: "127.0.0.1:${await freePort()}" }\ncontrol: { socket: ${dir}/run/control.sock }\nproviders:\n  docker:\n    local: { socket: ${DOCKER_SOCKET} }\n`, { mode: 0o644 });
  // nobody, with no supplementary groups: the socket is root:docker 0660.
  const r = await drowse(['check', '--probe', '--json', '-c', file], {}, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  const doc = JSON.parse(r.stdout) as { ok: boolean; prerequisites: Array<{ name: string; ok: boolean; code?: string; hint?: string }> };
  const byName = new Map(doc.prerequisites.map((p) => [p.name, p]));
  assert.equal(byName.get('engine "local"')?.code, 'engine_permission_denied');
  assert.match(byName.get('engine "local"')?.hint ?? '', /add the drowse user to the docker group/);
  assert.equal(byName.get('control socket directory')?.code, 'control_dir_unusable', 'nobody may not create a directory in a root-owned one');
});

test('check --probe finds an entrypoint port in use and a missing engine socket, exit 3; a bad config is still exit 2', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.after(() => holder.close());
  const port = (holder.address() as net.AddressInfo).port;
  const file = path.join(dir, 'drowse.yaml');
  await fs.writeFile(file, `entrypoints: { http: "127.0.0.1:${port}" }\ncontrol: { socket: ${dir}/control.sock }\nproviders:\n  docker:\n    local: { socket: ${dir}/no-docker.sock }\n`);
  const r = await drowse(['check', '--probe', '-c', file]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /^FAILED\s+entrypoints\.http \[port_in_use\]$/m);
  assert.match(r.stdout, /^FAILED\s+engine "local" \[engine_socket_missing\]$/m);
  assert.match(r.stdout, /hint: stop what listens there/);
  assert.equal((await drowse(['check', '-c', file])).code, 0, 'without --probe only the config is checked');
  await fs.writeFile(file, 'entrypoints: { http: 12 }\n');
  assert.equal((await drowse(['check', '--probe', '-c', file])).code, 2);
});

test('a running drowse without an engine: status shows the table, the failed prerequisite with its hint, and --json; found by --control and $DROWSE_CONTROL', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const socket = path.join(dir, 'control.sock');
  const file = path.join(dir, 'drowse.yaml');
  await fs.writeFile(file, `entrypoints: { http: "127.0.0.1:${await freePort()}" }\ncontrol: { socket: ${socket} }\nproviders:\n  docker:\n    local: { socket: ${dir}/no-docker.sock }\nservices:\n  web:\n    docker: { container: web }\n    http: { host: web.test, target: "http://127.0.0.1:9" }\n`);
  const d = serve(t, file);
  await waitFor(() => d.output().includes('control API listening'), { timeoutMs: 20_000, message: 'drowse listening' });
  assert.match(d.output(), /"code":"engine_socket_missing"/, 'the failed prerequisite is in the log with its code');

  const table = await drowse(['status', '-c', file]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^SERVICE\s+SOURCE\s+STATE\s+SLEEPS IN\s+LAST WAKE\s+IN FLIGHT\s+HELD\s+CPU\s+MEMORY$/m);
  assert.match(table.stdout, /^web\s+file\s+unknown \d+\w*\s+-\s+-\s+0\s+0\s+-\s+-$/m, 'an engine that is offline leaves the service unknown');
  assert.match(table.stdout, /^problem: engine "local": .* \[engine_socket_missing\]\n {2}hint: is the Docker engine running/m);
  assert.match(table.stdout, /^LOOP\s+STATE\s+FAILURES\s+RETRY IN\s+LAST ERROR$/m);
  assert.match(table.stdout, /^feed "local"\s+(backoff|degraded)\s+\d+/m);

  const viaFlag = await drowse(['status', '--json', '--control', socket]);
  assert.equal(viaFlag.code, 0, viaFlag.stderr);
  const doc = JSON.parse(viaFlag.stdout) as { services: Array<{ name: string; state: string; source: string; held_requests: number; bytes_in: number }>; prerequisites: Array<{ code?: string }>; loops: Array<{ name: string }> };
  assert.deepEqual(doc.services.map((s) => [s.name, s.state, s.source, s.held_requests, s.bytes_in]), [['web', 'unknown', 'file', 0, 0]]);
  assert.ok(doc.prerequisites.some((p) => p.code === 'engine_socket_missing'));
  assert.ok(doc.loops.some((l) => l.name === 'feed "local"'));

  const viaEnv = await drowse(['status', '--json'], { DROWSE_CONTROL: socket });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);

  const reload = await drowse(['reload', '--control', socket]);
  assert.equal(reload.code, 0, reload.stderr);
  assert.match(reload.stdout, /^reloaded$/m);
  // A broken file: the reload is refused with the problem and its position, and drowse serves on.
  await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('http: { host: web.test', 'idle_timeout: soon\n    http: { host: web.test'));
  const refused = await drowse(['reload', '--control', socket]);
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(refused.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: services\\.web\\.idle_timeout: expected a duration`));

  d.child.kill('SIGTERM');
  assert.equal(await d.exited, 0);
  const gone = await drowse(['status', '--control', socket]);
  assert.equal(gone.code, 1, 'a daemon that is not there is a runtime failure');
  assert.match(gone.stderr, /is drowse running\?/);
});

test('a TCP control API is reached with --control http://host:port and $DROWSE_TOKEN; a wrong token is exit 1, a bad address exit 2', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const control = await freePort();
  const file = path.join(dir, 'drowse.yaml');
  await fs.writeFile(file, `entrypoints: { http: "127.0.0.1:${await freePort()}" }\ncontrol: { listen: "127.0.0.1:${control}", token: "\${CONTROL_TOKEN}" }\nproviders:\n  docker:\n    local: { socket: ${dir}/no-docker.sock }\n`);
  const token = 'a-long-enough-control-token-0123456789';
  const d = serve(t, file, { CONTROL_TOKEN: token });
  await waitFor(() => d.output().includes('control API listening'), { timeoutMs: 20_000, message: 'drowse listening' });
  const ok = await drowse(['status', '--json', '--control', `http://127.0.0.1:${control}`], { DROWSE_TOKEN: token });
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(Array.isArray((JSON.parse(ok.stdout) as { loops: unknown[] }).loops));
  const wrong = await drowse(['status', '--control', `http://127.0.0.1:${control}`], { DROWSE_TOKEN: 'wrong-token-wrong-token-wrong' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /missing or wrong bearer token/);
  const bad = await drowse(['status', '--control', 'ftp://x:1']);
  assert.equal(bad.code, 2);
  d.child.kill('SIGTERM');
  assert.equal(await d.exited, 0);
});

test('--help lists the exit codes', async () => {
  const r = await drowse(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Exit codes:\n {2}0 {2}ok\n {2}1 {2}runtime failure/);
  assert.match(r.stdout, /3 {2}check --probe: the config is valid but a prerequisite failed/);
  assert.match(r.stdout, /DROWSE_CONTROL/);
  assert.match(r.stdout, /DROWSE_TOKEN/);
});
