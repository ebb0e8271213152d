// The Docker provider and event feed against the real engine. Containers run on the host
// network and listen on 127.0.0.1 only; nothing is pulled (the test image is built locally).
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../src/kernel/index.ts';
import { DockerEventFeed, DockerProvider, createDockerClient } from '../../src/provider/docker/index.ts';
import {
  CONTAINER_PREFIX, dockerCli, ensureTestImage, freePort, providerContract, RecordingObserver, recordDockerEvents,
  removeContainer, requireDocker, runContainer, waitFor, waitForPort, type ProviderContractHarness,
} from '../helpers/index.ts';

/** The Docker harness of the shared contract: workloads are test containers, created stopped. */
async function dockerHarness(t: TestContext): Promise<ProviderContractHarness | undefined> {
  if (!(await requireDocker(t))) return undefined;
  const provider = new DockerProvider({ name: 'local', log: silentLogger() });
  const ports = new Map<string, number>();
  return {
    provider,
    signals: true,
    missingRef: () => ({ provider: 'local', id: `${CONTAINER_PREFIX}missing-${randomBytes(4).toString('hex')}` }),
    workload: async (tc, opts = {}) => {
      if (opts.ignoresSigterm) {
        const name = await runContainer(tc, { name: 'contract-stubborn', cmd: ['sh', '-c', 'trap "" TERM; sleep 3600'], start: false });
        return { provider: 'local', id: name };
      }
      const port = await freePort();
      const name = await runContainer(tc, { name: 'contract', app: 'http-app.js', env: { PORT: port, NAME: 'contract' }, start: false });
      ports.set(name, port);
      return { provider: 'local', id: name };
    },
    ready: async (ref) => {
      const port = ports.get(ref.id);
      if (port !== undefined) await waitForPort(port);
    },
    feed: new DockerEventFeed({ provider: 'local', docker: createDockerClient({ name: 'local' }), log: silentLogger() }),
    changeOutside: async (ref, state) => {
      await dockerCli(state === 'running' ? ['start', ref.id] : ['stop', '-t', '1', ref.id]);
    },
  };
}

providerContract('docker provider contract', dockerHarness);

describe('docker provider on the real engine', () => {
  it('reports the HEALTHCHECK verdict of a running container', async (t) => {
    if (!(await requireDocker(t))) return;
    const port = await freePort();
    const name = await runContainer(t, {
      name: 'health',
      app: 'http-app.js',
      env: { PORT: port },
      healthcheck: { test: ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${port}/healthz`], intervalMs: 200, retries: 2 },
    });
    const provider = new DockerProvider({ name: 'local', log: silentLogger() });
    const status = await waitFor(async () => {
      const s = await provider.status({ provider: 'local', id: name });
      return s.health === 'healthy' ? s : undefined;
    }, { timeoutMs: 15_000, message: 'healthy' });
    assert.deepEqual(status, { state: 'running', health: 'healthy', healthcheck: true });
  });

  it('runs a command inside a running container and returns its exit code and output', async (t) => {
    if (!(await requireDocker(t))) return;
    const name = await runContainer(t, { name: 'exec', cmd: ['sh', '-c', 'sleep 600'] });
    const provider = new DockerProvider({ name: 'local', log: silentLogger() });
    const ref = { provider: 'local', id: name };
    assert.deepEqual(await provider.exec(ref, ['sh', '-c', 'echo hello; exit 0']), { exitCode: 0, output: 'hello\n' });
    const failed = await provider.exec(ref, ['sh', '-c', 'echo nope >&2; exit 7']);
    assert.deepEqual(failed, { exitCode: 7, output: 'nope\n' });
    const hung = provider.exec(ref, ['sleep', '30'], AbortSignal.timeout(300));
    await assert.rejects(hung, /exec/);
  });

  it('stop honours a container STOPSIGNAL that differs from the one asked for', async (t) => {
    if (!(await requireDocker(t))) return;
    // The image says SIGINT, drowse asks for SIGTERM: the app must see SIGTERM (exit 143).
    const port = await freePort();
    const name = await runContainer(t, { name: 'stopsignal', app: 'http-app.js', env: { PORT: port }, stopSignal: 'SIGINT' });
    await waitForPort(port);
    const provider = new DockerProvider({ name: 'local', log: silentLogger() });
    const ref = { provider: 'local', id: name };
    await provider.stop(ref, { signal: 'SIGTERM', timeoutMs: 5000 });
    assert.deepEqual(await provider.status(ref), { state: 'stopped', exitCode: 143 });
  });
});

describe('docker event collector on the real engine', () => {
  it('sees a container driven by hand with the docker CLI, after reporting online and asking for a resync', async (t) => {
    if (!(await requireDocker(t))) return;
    const image = await ensureTestImage();
    const observer = new RecordingObserver();
    const collector = new DockerEventFeed({ provider: 'local', docker: createDockerClient({ name: 'local' }), log: silentLogger() });
    t.after(() => collector.stop());
    await collector.start(observer);
    await waitFor(() => observer.resyncs === 1, { message: 'the first resync' });
    // Events of other tests' containers from the last seconds may follow: the stream reaches back a little.
    assert.deepEqual(observer.summary().slice(0, 2), ['online:true', 'resync']);

    const name = `${CONTAINER_PREFIX}cli-${randomBytes(4).toString('hex')}`;
    t.after(() => removeContainer(name));
    const recorder = await recordDockerEvents(t, name);
    const docker = (...args: string[]): Promise<string> => dockerCli(args);
    await docker('create', '--name', name, '--network', 'host', '--label', 'drowse-test=true', image, 'sleep', '3600');
    await docker('start', name);
    await docker('pause', name);
    await docker('unpause', name);
    await docker('stop', '--time', '1', name);
    await recorder.waitFor('stop');
    await docker('rm', name);

    const want = ['create:stopped', 'start:running', 'pause:paused', 'unpause:running', 'die:stopped', 'stop:stopped', 'destroy:missing'];
    await waitFor(() => observer.events(name).length >= want.length, { message: `${want.length} events of ${name}` });
    assert.deepEqual(observer.events(name).map((e) => `${e.action}:${e.state}`), want);
    const die = observer.events(name).find((e) => e.action === 'die');
    assert.equal(die?.exitCode, 137, 'sleep as PID 1 ignores SIGTERM, so docker stop killed it');
    assert.equal(observer.resyncs, 1, 'no reconnect happened');
    assert.equal(collector.state().state, 'running');
  });
});
