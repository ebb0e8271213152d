/**
 * A Docker engine of the test's own: a second dockerd on its own socket, data and exec roots, which
 * a test may stop and start at will without disturbing the engine every other test uses. Needs
 * root and the dockerd binary (.ci/run has both); elsewhere the test is skipped, and under CI=true
 * it fails.
 */
import { spawn, execFile as execFileCb, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';
import type Docker from 'dockerode';
import { createDockerClient } from '../../src/provider/docker/index.ts';
import { waitFor } from './wait.ts';

const execFile = promisify(execFileCb);

/** A private engine that can be stopped and started again. */
export interface PrivateEngine {
  readonly socket: string;
  readonly docker: Docker;
  /** Runs the docker CLI against this engine. */
  cli(args: readonly string[], input?: string): Promise<string>;
  /** Stops dockerd (SIGTERM) and waits for it to exit: its containers stop with it. */
  stop(): Promise<void>;
  /** Starts dockerd again on the same roots and waits until it answers. */
  start(): Promise<void>;
  /** An image with only busybox and /www/index.html, imported into this engine. */
  readonly image: string;
}

/** Starts a private engine, removed when the test ends; undefined (skipped) when it cannot run here. */
export async function startPrivateEngine(t: TestContext): Promise<PrivateEngine | undefined> {
  const why = await cannotRun();
  if (why) {
    if (process.env['CI'] === 'true') throw new Error(`${why}; CI=true, so this is a failure, not a skip`);
    t.skip(why);
    return undefined;
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dwe-'));
  const socket = path.join(dir, 'docker.sock');
  const logFile = path.join(dir, 'dockerd.log');
  let proc: ChildProcess | undefined;
  const args = [
    `--host=unix://${socket}`, `--data-root=${dir}/data`, `--exec-root=${dir}/x`, `--pidfile=${dir}/docker.pid`,
    // vfs: no overlay mounts to leave behind; the one image here is a few MB.
    '--storage-driver=vfs', '--bridge=none', '--iptables=false', '--ip-masq=false',
  ];
  const docker = createDockerClient({ name: 'private', socket });
  const ping = docker as unknown as { ping(opts: { abortSignal: AbortSignal }): Promise<unknown> };

  const start = async () => {
    const log = await fs.open(logFile, 'a');
    proc = spawn('dockerd', args, { stdio: ['ignore', log.fd, log.fd] });
    const exited = new Promise<never>((_, reject) => proc!.once('exit', (code) => reject(new Error(`private dockerd exited (${code}); see ${logFile}`))));
    try {
      await Promise.race([
        waitFor(() => ping.ping({ abortSignal: AbortSignal.timeout(1000) }).then(() => true), { timeoutMs: 60_000, intervalMs: 200, message: 'the private dockerd to answer' }),
        exited,
      ]);
    } finally {
      await log.close();
    }
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(timer);
  };
  const cli = async (cmd: readonly string[], input?: string) => {
    const child = execFile('docker', ['-H', `unix://${socket}`, ...cmd], { maxBuffer: 16 * 1024 * 1024 });
    if (input !== undefined) child.child.stdin?.end(input);
    return (await child).stdout;
  };

  t.after(async () => {
    await cli(['ps', '-aq']).then((ids) => (ids.trim() ? cli(['rm', '-f', ...ids.trim().split('\n')]) : ''), () => '');
    await stop();
    // dockerd leaves its default network namespace bind-mounted under the exec root.
    await execFile('umount', [path.join(dir, 'x', 'netns', 'default')]).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  });
  await start();
  const image = await importMiniImage(dir, socket);
  return { socket, docker, cli, stop, start, image };
}

async function cannotRun(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'a private dockerd needs root';
  try {
    await execFile('dockerd', ['--version']);
  } catch {
    return 'no dockerd binary (apt-get install docker.io)';
  }
  return undefined;
}

/** busybox + a page, `docker import`ed: enough for httpd, sh and sleep. */
async function importMiniImage(dir: string, socket: string): Promise<string> {
  const root = path.join(dir, 'rootfs');
  await fs.mkdir(path.join(root, 'bin'), { recursive: true });
  await fs.mkdir(path.join(root, 'www'), { recursive: true });
  const busybox = await fs.realpath((await fs.access('/bin/busybox').then(() => '/bin/busybox', () => '/usr/bin/busybox')));
  await fs.copyFile(busybox, path.join(root, 'bin', 'busybox'));
  await fs.chmod(path.join(root, 'bin', 'busybox'), 0o755);
  for (const applet of ['sh', 'sleep', 'httpd']) await fs.symlink('busybox', path.join(root, 'bin', applet));
  await fs.writeFile(path.join(root, 'www', 'index.html'), 'private engine app\n');
  const tag = 'drowse-test/mini:1';
  await new Promise<void>((resolve, reject) => {
    const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const imp = spawn('docker', ['-H', `unix://${socket}`, 'import', '-', tag], { stdio: ['pipe', 'ignore', 'inherit'] });
    tar.stdout.pipe(imp.stdin);
    imp.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker import exited ${code}`))));
    tar.once('error', reject);
    imp.once('error', reject);
  });
  return tag;
}
