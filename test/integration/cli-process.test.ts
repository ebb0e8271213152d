/**
 * drowse the way a newcomer meets it: started by `npm start` under a supervisor, a second copy
 * started by mistake, a port someone else holds, a typo in a command, a config path that is wrong,
 * and the log a collector reads. No Docker needed: the engine socket points nowhere.
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
import { freePort, waitFor } from '../helpers/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = path.join(root, 'src/main.ts');
const run = promisify(execFile);

/** Runs one drowse command to its end. */
async function drowse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, ...args], { cwd: root, env: { ...process.env, DROWSE_CONFIG: '' }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-proc-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A config on a loopback port with its own control socket and an engine socket that does not exist. */
async function writeConfig(dir: string, port: number, extra = ''): Promise<{ file: string; socket: string }> {
  const socket = path.join(dir, 'control.sock');
  const file = path.join(dir, 'drowse.yaml');
  await fs.writeFile(file, `entrypoints: { http: "127.0.0.1:${port}" }\ncontrol: { socket: ${socket} }\nproviders:\n  docker:\n    local: { socket: ${path.join(dir, 'no-docker.sock')} }\n${extra}`);
  return { file, socket };
}

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

function launch(t: { after(fn: () => void): void }, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DROWSE_CONFIG: '', ...env } });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => void child.kill('SIGKILL'));
  return { child, exited, output: () => out };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(true)));
  });
}

test('SIGTERM to the npm process of `npm start` stops drowse too and frees its port', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  const port = await freePort();
  const { file } = await writeConfig(dir, port);
  // What a supervisor does: start `npm start`, later signal the one process it started.
  const npm = launch(t, 'npm', ['start'], { DROWSE_CONFIG: file });

  const pid = await waitFor(
    () => {
      const line = npm.output().split('\n').find((l) => l.includes('http entrypoint listening'));
      return line ? (JSON.parse(line) as { pid: number }).pid : undefined;
    },
    { timeoutMs: 90_000, message: 'drowse listening under npm start' },
  );
  t.after(() => {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  npm.child.kill('SIGTERM');
  // npm itself ends by the signal (a shell shows 143), as a signalled process should.
  await npm.exited;

  await waitFor(() => !alive(pid), { timeoutMs: 10_000, message: `drowse (pid ${pid}) to exit after npm got SIGTERM` });
  assert.ok(await canBind(port), `port ${port} is free again`);
  assert.match(npm.output(), /"msg":"drowse stopped"/, 'drowse shut down its own way, not killed');
});

test('with json logs every line drowse writes at start is JSON, config warnings included', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const port = await freePort();
  const socket = path.join(dir, 'control.sock');
  const file = path.join(dir, 'drowse.yaml');
  // A token without control.listen is ignored with a warning: a warning every release can give.
  await fs.writeFile(file, `entrypoints: { http: "127.0.0.1:${port}" }\ncontrol: { socket: ${socket}, token: not-used-here-at-all }\nlog: { format: json }\nproviders:\n  docker:\n    local: { socket: ${path.join(dir, 'no-docker.sock')} }\n`);
  const drowse = launch(t, process.execPath, [main, 'serve', '-c', file]);
  let stdout = '';
  let stderr = '';
  drowse.child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  drowse.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));

  await waitFor(() => drowse.output().includes('control API listening'), { timeoutMs: 15_000, message: 'drowse listening' });
  drowse.child.kill('SIGTERM');
  assert.equal(await drowse.exited, 0);

  const lines = [...stdout.split('\n'), ...stderr.split('\n')].filter((l) => l.trim() !== '');
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line}`);
  const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.msg.includes('token is only used with control.listen'));
  assert.equal(warning?.level, 40, 'the config warning is a warn line of the log');
});

test('a misspelt command is refused with exit 2 and the nearest command, not taken as an argument of serve', async () => {
  const r = await drowse(['stauts']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n')[0], "drowse: unknown command 'stauts'. Did you mean 'status'?");
  assert.doesNotMatch(r.stderr, /too many arguments/);
});

test('a word far from every command is refused with exit 2 and the list of commands', async () => {
  const r = await drowse(['frobnicate', '--json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^drowse: unknown command 'frobnicate'\. Commands: .*\bserve\b.*\bstatus\b/m);
});

test('serve stays the default command: options alone, -c with its file, still mean serve', async (t) => {
  const dir = await tempDir(t);
  // A file that does not parse: serve reports it and exits 2, which shows serve ran with that file.
  const file = path.join(dir, 'status');
  await fs.writeFile(file, 'services: [\n');
  const r = await drowse(['-c', file]);
  assert.equal(r.code, 2);
  assert.doesNotMatch(r.stderr, /unknown command/);
  assert.match(r.stderr, new RegExp(`problem\\(s\\) in ${file}`));
});

test('drowse status -c with a missing file fails naming the file instead of asking the default socket', async () => {
  const r = await drowse(['status', '-c', '/nonexistent/drowse.yaml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^\/nonexistent\/drowse\.yaml: file not found$/m);
  assert.match(r.stderr, /control API/);
  assert.doesNotMatch(r.stderr, /control\.sock/);
});

test('an HTTP entrypoint port in use ends in one line naming entrypoints.http and the address, exit 1', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const port = await freePort();
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port }, resolve));
  t.after(() => void holder.close());
  const { file } = await writeConfig(dir, port);

  const r = await drowse(['serve', '-c', file]);

  assert.equal(r.code, 1);
  const lines = (r.stdout + r.stderr).trim().split('\n');
  const last = JSON.parse(lines.at(-1) ?? '') as { level: number; msg: string };
  assert.equal(last.level, 60, r.stdout + r.stderr);
  assert.equal(last.msg, `entrypoints.http 127.0.0.1:${port} is already in use: stop what listens there or set entrypoints.http to a free address`);
  assert.doesNotMatch(r.stdout + r.stderr, /"stack"|\n\s+at /, 'no stack trace for a port in use');
});

test('a TCP route port in use names services.NAME.tcp.listen and the address, exit 1', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const [port, tcpPort] = [await freePort(), await freePort()];
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port: tcpPort }, resolve));
  t.after(() => void holder.close());
  const { file } = await writeConfig(dir, port, `services:\n  db:\n    docker: { container: db }\n    tcp: { listen: "127.0.0.1:${tcpPort}", target: "127.0.0.1:1" }\n`);

  const r = await drowse(['serve', '-c', file]);

  assert.equal(r.code, 1);
  const last = JSON.parse((r.stdout + r.stderr).trim().split('\n').at(-1) ?? '') as { msg: string };
  assert.match(last.msg, new RegExp(`^services\\.db\\.tcp\\.listen 127\\.0\\.0\\.1:${tcpPort} is already in use`));
});

/** The exit code, or 'still running' when the process has not exited within `ms`. */
function exitWithin(r: Running, ms: number): Promise<number | null | 'still running'> {
  return Promise.race([r.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms).unref())]);
}

/** Starts `drowse serve -c file` and waits until its control API listens. */
async function serveUntilListening(t: { after(fn: () => void): void }, file: string): Promise<Running> {
  const d = launch(t, process.execPath, [main, 'serve', '-c', file]);
  await waitFor(() => d.output().includes('control API listening'), { timeoutMs: 15_000, message: 'drowse listening' });
  return d;
}

test('a second drowse on the same control socket refuses to start, names the socket, and the first keeps it', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const { file, socket } = await writeConfig(dir, await freePort());
  const first = await serveUntilListening(t, file);
  const otherDir = path.join(dir, 'other');
  await fs.mkdir(otherDir);
  const secondPort = await freePort();
  const second = await writeConfig(otherDir, secondPort);
  await fs.writeFile(second.file, (await fs.readFile(second.file, 'utf8')).replace(second.socket, socket));

  const r = launch(t, process.execPath, [main, 'serve', '-c', second.file]);
  assert.equal(await exitWithin(r, 15_000), 1, r.output());
  assert.ok(r.output().includes(`control socket ${socket}: a drowse is already running there`), r.output());
  assert.ok(await canBind(secondPort), 'the second one bound nothing');
  const status = await drowse(['status', '--json', '-c', file]);
  assert.equal(status.code, 0, `the first still answers on its socket: ${status.stderr}`);
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
});

test('a stale control socket from a killed drowse is replaced, and removed again at exit', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const { file, socket } = await writeConfig(dir, await freePort());
  // A process that binds the socket and dies without removing it, as a crash or SIGKILL leaves it.
  const dead = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  await new Promise((resolve) => dead.once('exit', resolve));
  assert.ok((await fs.lstat(socket)).isSocket(), 'a stale socket file is left');

  const d = await serveUntilListening(t, file);
  const status = await drowse(['status', '--json', '-c', file]);
  assert.equal(status.code, 0, status.stderr);
  d.child.kill('SIGTERM');
  assert.equal(await d.exited, 0);
  await assert.rejects(fs.lstat(socket), { code: 'ENOENT' });
});

test('a drowse whose control socket was replaced by another leaves the other one in place at exit', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const { file, socket } = await writeConfig(dir, await freePort());
  const first = await serveUntilListening(t, file);
  // Someone removed the first one's socket and started another drowse there.
  await fs.rm(socket);
  const otherDir = path.join(dir, 'other');
  await fs.mkdir(otherDir);
  const second = await writeConfig(otherDir, await freePort());
  await fs.writeFile(second.file, (await fs.readFile(second.file, 'utf8')).replace(second.socket, socket));
  const other = await serveUntilListening(t, second.file);

  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);

  const status = await drowse(['status', '--json', '-c', second.file]);
  assert.equal(status.code, 0, `the second drowse is still reachable: ${status.stderr}`);
  other.child.kill('SIGTERM');
  assert.equal(await other.exited, 0);
});

test('a control socket path taken by a file that is not a socket is refused, not replaced', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const { file, socket } = await writeConfig(dir, await freePort());
  await fs.writeFile(socket, 'precious');
  const r = launch(t, process.execPath, [main, 'serve', '-c', file]);
  assert.equal(await exitWithin(r, 15_000), 1, r.output());
  assert.ok(r.output().includes(`control socket ${socket}: there is a file there that is not a socket`), r.output());
  assert.equal(await fs.readFile(socket, 'utf8'), 'precious');
});
