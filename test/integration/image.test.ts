/**
 * The container image as a user runs it: `npm run image` builds drowse:local, `docker run` starts
 * it on the host network with the Docker socket and its group, a config mounted at
 * /etc/drowse/drowse.yaml, and Docker's own HEALTHCHECK (`drowse health`) must say healthy before
 * a request wakes a sleeping container through it.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile as execFileCb } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  CONTAINER_PREFIX, TEST_LABEL, TEST_RUN_LABEL, containerState, dockerAvailable, dockerCli, ensureTestImage, freePort, removeContainer,
  request, requireDocker, runContainer, waitFor, type Cleanup,
} from '../helpers/index.ts';

const execFile = promisify(execFileCb);
const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const IMAGE = 'drowse:local';
const DOCKER_SOCKET = '/var/run/docker.sock';

let appImage: string;
before(async () => {
  // Without an engine each test skips (or fails under CI=true) on its own; there is nothing to build.
  if (!(await dockerAvailable())) return;
  appImage = await ensureTestImage();
  // Exactly what a user types. The first build on a machine makes a base and runs npm ci (a
  // minute or two); after that the layers are cached and it takes seconds.
  try {
    await execFile('npm', ['run', '--silent', 'image'], { cwd: REPO_ROOT, env: { ...process.env, DROWSE_IMAGE: IMAGE }, maxBuffer: 64 * 1024 * 1024, timeout: 540_000 });
  } catch (err) {
    const out = `${(err as { stdout?: string }).stdout ?? ''}\n${(err as { stderr?: string }).stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`npm run image failed:\n${out}`, { cause: err });
  }
}, { timeout: 600_000 });

/** The drowse image running with `yaml` mounted as its config; returns its name and HTTP port. */
async function runDrowseImage(t: Cleanup, yaml: (port: number) => string): Promise<{ name: string; port: number }> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'drowse-image-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'drowse.yaml');
  await writeFile(config, yaml(port), { mode: 0o644 });
  const name = `${CONTAINER_PREFIX}drowse-image-${randomBytes(4).toString('hex')}`;
  t.after(() => removeContainer(name));
  const socketGid = (await stat(DOCKER_SOCKET)).gid;
  await dockerCli([
    'run', '--detach', '--name', name,
    '--network', 'host',
    // The socket's group, as the README tells users: the image's user is not root.
    '--group-add', String(socketGid),
    '--volume', `${DOCKER_SOCKET}:/var/run/docker.sock`,
    '--volume', `${config}:/etc/drowse/drowse.yaml:ro`,
    '--label', `${TEST_LABEL}=true`, '--label', `${TEST_RUN_LABEL}=${process.env['DROWSE_TEST_RUN'] ?? 'local'}`,
    // The image's HEALTHCHECK, run every second instead of every 30 s so the test is quick.
    '--health-interval', '1s', '--health-start-period', '0s',
    IMAGE,
  ]);
  return { name, port };
}

async function healthStatus(name: string): Promise<string> {
  return (await dockerCli(['inspect', '--format', '{{if .State.Health}}{{.State.Health.Status}}{{end}}', name])).trim();
}

/** Waits for Docker's HEALTHCHECK to say healthy; on failure the message carries drowse's log. */
async function waitHealthy(name: string): Promise<void> {
  try {
    await waitFor(async () => (await healthStatus(name)) === 'healthy', { timeoutMs: 30_000, intervalMs: 200, message: `${name} healthy` });
  } catch (err) {
    const logs = await execFile('docker', ['logs', '--tail', '30', name]).then((r) => `${r.stdout}${r.stderr}`, (e: unknown) => String(e));
    const health = await dockerCli(['inspect', '--format', '{{json .State.Health}}', name]).catch((e: unknown) => String(e));
    throw new Error(`${(err as Error).message}\nhealth: ${health}\nlogs:\n${logs}`, { cause: err });
  }
}

test('the image, with a config mounted at /etc/drowse/drowse.yaml, turns healthy and wakes the service the file names', { timeout: 90_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const appPort = await freePort();
  const app = await runContainer(t, { image: appImage, app: 'http-app.js', env: { PORT: appPort, NAME: 'from-file' }, start: false });
  const drowse = await runDrowseImage(t, (port) => `entrypoints: { http: "127.0.0.1:${port}" }
services:
  web:
    docker: { container: ${app} }
    http: { host: web.test, target: "http://127.0.0.1:${appPort}" }
`);

  await waitHealthy(drowse.name);
  assert.equal(await containerState(app), 'created', 'nothing woke the app before a request came');
  const res = await request({ port: drowse.port, host: 'web.test', path: '/through-the-image' });

  assert.equal(res.status, 200, res.body);
  assert.deepEqual([res.json<{ app: string }>().app, res.json<{ url: string }>().url], ['from-file', '/through-the-image']);
  assert.equal(await containerState(app), 'running');
  // `drowse health` itself: exit 0 and not a word on success, as a HEALTHCHECK wants.
  const { stdout, stderr } = await execFile('docker', ['exec', drowse.name, 'drowse', 'health']);
  assert.equal(stdout + stderr, '');
  const status = JSON.parse(await dockerCli(['exec', drowse.name, 'drowse', 'status', '--json'])) as { providers: Array<{ name: string; online: boolean }> };
  assert.deepEqual(status.providers.map((p) => [p.name, p.online]), [['local', true]], 'the non-root user reaches the engine through --group-add');
});

test(
  'the image wakes a labelled container with no services in its file',
  { timeout: 90_000 },
  async (t) => {
    if (!(await requireDocker(t))) return;
    const appPort = await freePort();
    const app = await runContainer(t, {
      image: appImage,
      app: 'http-app.js',
      env: { PORT: appPort, NAME: 'from-labels' },
      labels: { 'drowse.enable': 'true', 'drowse.http.host': 'labelled.test', 'drowse.http.port': String(appPort) },
      start: false,
    });
    const drowse = await runDrowseImage(t, (port) => `entrypoints: { http: "127.0.0.1:${port}" }
providers:
  docker:
    local: { socket: /var/run/docker.sock, labels: true }
`);

    await waitHealthy(drowse.name);
    const res = await waitFor(async () => {
      // Discovery may finish a moment after the control API answers: until then the host is unknown (404).
      const r = await request({ port: drowse.port, host: 'labelled.test', path: '/by-label' });
      return r.status === 404 ? undefined : r;
    }, { timeoutMs: 20_000, intervalMs: 250, message: 'labelled.test routed' });

    assert.equal(res.status, 200, res.body);
    assert.equal(res.json<{ app: string }>().app, 'from-labels');
    assert.equal(await containerState(app), 'running');
  },
);
