/**
 * The command line as a user runs it: a real `drowse` process, its exit codes and output, and the
 * control API reached through `drowse status`. No Docker needed: the engine socket points nowhere,
 * which also proves drowse starts without one and says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../helpers/index.ts';

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const run = promisify(execFile);

async function drowse(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, ...args], { cwd, env: { ...process.env, DROWSE_CONFIG: '' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-cli-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

test('drowse check exits 2 and prints every problem with file, line and column', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'drowse.yaml');
  await fs.writeFile(file, 'services:\n  app:\n    docker: { container: app }\n    idle_timeout: soon\n    stop_method: nap\n');

  const r = await drowse(['check', '-c', file]);

  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`^${file}:4:19: services\\.app\\.idle_timeout: expected a duration like 30s or 15m$`, 'm'));
  assert.match(r.stderr, new RegExp(`^${file}:5:18: services\\.app\\.stop_method: .*stop, pause, kill`, 'm'));
});

test('drowse check exits 2 on a three-service dependency cycle and names the cycle', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'drowse.yaml');
  await fs.writeFile(file, 'services:\n  web:\n    docker: { container: web }\n    depends_on: api\n  api:\n    docker: { container: api }\n    depends_on: [db]\n  db:\n    docker: { container: db }\n    depends_on: web\n');

  const r = await drowse(['check', '-c', file]);

  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`^${file}:4:17: services\\.web\\.depends_on: dependency cycle: web → api → db → web$`, 'm'));
});

test('drowse check exits 2 on an empty file and says what is wrong', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'drowse.yaml');
  await fs.writeFile(file, '');

  const r = await drowse(['check', '-c', file]);

  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`^${file}:1:1: the config file is empty; see config/drowse.example.yaml$`, 'm'));
  assert.doesNotMatch(r.stdout, /ok/);
});

test('drowse check exits 2 on what would fail at run time: an unknown signal, a backwards status range, a too-long duration', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'drowse.yaml');
  await fs.writeFile(
    file,
    'services:\n  app:\n    docker: { container: app }\n    http: { host: app.lan, target: "http://127.0.0.1:1" }\n    stop_signal: SIGFOO\n    idle_timeout: 99999999999999h\n    health: { http: { expect: "599-100" } }\n',
  );

  const r = await drowse(['check', '-c', file]);

  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`^${file}:5:18: services\\.app\\.stop_signal: unknown signal "SIGFOO"`, 'm'));
  assert.match(r.stderr, new RegExp(`^${file}:6:19: services\\.app\\.idle_timeout: must be at most 365d$`, 'm'));
  assert.match(r.stderr, new RegExp(`^${file}:7:31: services\\.app\\.health\\.http\\.expect: range 599-100 is backwards; write 100-599$`, 'm'));
});

test('drowse check refuses a file over the size limit without reading it', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'drowse.yaml');
  await fs.writeFile(file, Buffer.alloc(52 * 1024 * 1024, '#'));

  const r = await drowse(['check', '-c', file]);

  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`^${file}: the config file is 52 MiB; the limit is 4 MiB$`, 'm'));
});

test('drowse check exits 0 on the example config', async () => {
  const example = fileURLToPath(new URL('../../config/drowse.example.yaml', import.meta.url));
  const r = await drowse(['check', '-c', example]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ok/);
});

test('drowse schema prints a JSON Schema of the config', async () => {
  const r = await drowse(['schema']);
  assert.equal(r.code, 0);
  const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
  assert.ok(schema.properties.services && schema.properties.entrypoints);
});

test('drowse --version prints the package version', async () => {
  const pkg = JSON.parse(await fs.readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const r = await drowse(['--version']);
  assert.equal(r.stdout.trim(), pkg.version);
});

test('drowse serve starts without a Docker engine, answers status over the control socket and exits 0 on SIGTERM', async (t) => {
  const dir = await tempDir(t);
  const port = await freePort();
  const socket = path.join(dir, 'control.sock');
  const file = path.join(dir, 'drowse.yaml');
  await fs.writeFile(file, `entrypoints: { http: "127.0.0.1:${port}" }\ncontrol: { socket: ${socket} }\nproviders:\n  docker:\n    local: { socket: ${path.join(dir, 'no-docker.sock')} }\n`);

  const child = spawn(process.execPath, [main, 'serve', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => void child.kill('SIGKILL'));
  let logs = '';
  child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await waitFor(() => logs.includes('control API listening'), { timeoutMs: 15_000, message: 'drowse listening' });
  await waitFor(() => logs.includes('provider unreachable'), { timeoutMs: 15_000, message: 'drowse says the engine is unreachable' });

  const status = await drowse(['status', '--json', '-c', file]);
  assert.equal(status.code, 0, status.stderr);
  const body = JSON.parse(status.stdout) as { providers: Array<{ name: string; online: boolean }>; services: unknown[] };
  assert.deepEqual(body.providers.map((p) => [p.name, p.online]), [['local', false]]);
  assert.deepEqual(body.services, []);

  const unknown = await drowse(['wake', 'nope', '-c', file]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no service "nope"/);

  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
