// DockerProvider against a hand-written engine: the failure modes and API-version paths a real
// engine cannot be made to show on demand. The real-engine contract is in test/integration.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../kernel/index.ts';
import { fakeDockerEngine, inspectBody, json, type FakeHandler, type FakeRequest } from '../../../test/helpers/fakes/index.ts';
import { DockerProvider, ProviderError } from './index.ts';

const ref = { provider: 'local', id: 'whoami' };

async function setup(t: TestContext, handler: FakeHandler, callTimeoutMs = 2000): Promise<{ provider: DockerProvider; requests: FakeRequest[] }> {
  const engine = await fakeDockerEngine(handler);
  t.after(() => engine.close());
  const provider = new DockerProvider({ name: 'local', socket: engine.socket, log: silentLogger(), callTimeoutMs });
  return { provider, requests: engine.requests };
}

/** The calls the provider made, as "POST /containers/whoami/stop?t=2". */
function calls(requests: FakeRequest[]): string[] {
  return requests.map((r) => `${r.method} ${r.path}${[...r.query].length ? `?${r.query.toString()}` : ''}`);
}

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

describe('docker provider answers', () => {
  it('treats 304 on start and stop as success (already there)', async (t) => {
    const { provider } = await setup(t, (req, res) => {
      if (req.path === '/version') return json(res, 200, { ApiVersion: '1.43' });
      res.writeHead(304).end();
    });
    await provider.start(ref);
    await provider.stop(ref, { signal: 'SIGTERM', timeoutMs: 1000 });
  });

  it('reports a container the engine does not know as missing', async (t) => {
    const { provider } = await setup(t, (_req, res) => json(res, 404, { message: 'No such container: whoami' }));
    assert.deepEqual(await provider.status(ref), { state: 'missing' });
  });

  it('maps inspect states, exit codes and HEALTHCHECK verdicts', async (t) => {
    const states = [
      [inspectBody('whoami', { Status: 'running', Health: 'healthy' }), { state: 'running', health: 'healthy', healthcheck: true }],
      [inspectBody('whoami', { Status: 'running' }), { state: 'running' }],
      [inspectBody('whoami', { Status: 'paused' }), { state: 'paused' }],
      [inspectBody('whoami', { Status: 'exited', ExitCode: 143 }), { state: 'stopped', exitCode: 143 }],
      [inspectBody('whoami', { Status: 'restarting', ExitCode: 1 }), { state: 'stopped', exitCode: 1 }],
      [inspectBody('whoami', { Status: 'created' }), { state: 'stopped' }],
    ] as const;
    let i = 0;
    const { provider } = await setup(t, (_req, res) => json(res, 200, states[i]![0]));
    for (; i < states.length; i++) assert.deepEqual(await provider.status(ref), states[i]![1]);
  });

  it('fails with a typed error whose message starts with its subject', async (t) => {
    const { provider } = await setup(t, (_req, res) => json(res, 500, { message: 'driver failed' }));
    const err = await rejection(provider.start(ref));
    assert.equal(err.message, 'docker provider "local": start "whoami": engine answered HTTP 500: driver failed');
    assert.equal(err.provider, 'local');
    assert.equal(err.op, 'start');
    assert.equal(err.ref, 'whoami');
    assert.equal(err.statusCode, 500);
    assert.equal(err.reason, 'failed');
    assert.ok(err.cause instanceof Error, 'keeps the dockerode error as cause');
  });

  it('fails with notFound when starting a container that does not exist', async (t) => {
    const { provider } = await setup(t, (_req, res) => json(res, 404, { message: 'No such container: whoami' }));
    const err = await rejection(provider.start(ref));
    assert.equal(err.notFound, true);
    assert.equal(err.statusCode, 404);
    assert.match(err.message, /^docker provider "local": start "whoami": no such container/);
  });

  it('says the engine is unreachable when nothing listens on the socket', async () => {
    const provider = new DockerProvider({ name: 'local', socket: '/nonexistent/docker.sock', log: silentLogger() });
    const err = await rejection(provider.status(ref));
    assert.equal(err.reason, 'unreachable');
    assert.match(err.message, /^docker provider "local": status "whoami": engine unreachable: .*ENOENT/);
  });

  it('refuses a ref that names another provider', async (t) => {
    const { provider, requests } = await setup(t, (_req, res) => json(res, 200, {}));
    const err = await rejection(provider.start({ provider: 'nas', id: 'whoami' }));
    assert.match(err.message, /belongs to provider "nas"/);
    assert.equal(requests.length, 0);
  });
});

describe('docker provider deadlines', () => {
  it('gives up on a hung engine after the call deadline', async (t) => {
    const { provider } = await setup(t, () => { /* never answers */ }, 150);
    const started = Date.now();
    const err = await rejection(provider.start(ref));
    assert.equal(err.reason, 'timeout');
    assert.match(err.message, /^docker provider "local": start "whoami": timed out after 150ms$/);
    assert.ok(Date.now() - started < 2000);
  });

  it('stops when the caller aborts, and says so', async (t) => {
    const { provider } = await setup(t, () => { /* never answers */ });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    const err = await rejection(provider.status(ref, abort.signal));
    assert.equal(err.reason, 'aborted');
  });

  it('lets a stop run for its whole grace period plus the call deadline', async (t) => {
    const { provider } = await setup(t, (req, res) => {
      if (req.path === '/version') return json(res, 200, { ApiVersion: '1.43' });
      setTimeout(() => res.writeHead(204).end(), 400); // the engine waits out t=1 before answering
    }, 150);
    await provider.stop(ref, { signal: 'SIGTERM', timeoutMs: 1000 });
  });
});

describe('docker provider stop per API version', () => {
  it('passes the signal on the stop call on API 1.42 and later', async (t) => {
    const { provider, requests } = await setup(t, (req, res) => {
      if (req.path === '/version') return json(res, 200, { ApiVersion: '1.43' });
      res.writeHead(204).end();
    });
    await provider.stop(ref, { signal: 'SIGINT', timeoutMs: 1500 });
    assert.deepEqual(calls(requests), ['GET /version', 'POST /containers/whoami/stop?t=2&signal=SIGINT']);
  });

  it('uses a plain stop on API 1.41 when the signal is the container\'s own stop signal', async (t) => {
    const { provider, requests } = await setup(t, (req, res) => {
      if (req.path === '/version') return json(res, 200, { ApiVersion: '1.41' });
      if (req.path.endsWith('/json')) return json(res, 200, inspectBody('whoami', { Status: 'running', StopSignal: 'SIGQUIT' }));
      res.writeHead(204).end();
    });
    await provider.stop(ref, { signal: 'QUIT', timeoutMs: 3000 });
    assert.deepEqual(calls(requests), ['GET /version', 'GET /containers/whoami/json', 'POST /containers/whoami/stop?t=3']);
  });

  it('on API 1.41 sends another signal by kill, waits the grace period, then stops', async (t) => {
    const { provider, requests } = await setup(t, (req, res) => {
      if (req.path === '/version') return json(res, 200, { ApiVersion: '1.41' });
      if (req.path.endsWith('/json')) return json(res, 200, inspectBody('whoami', { Status: 'running' }));
      if (req.path.endsWith('/wait')) return json(res, 200, { StatusCode: 130 });
      if (req.path.endsWith('/stop')) return void res.writeHead(304).end();
      res.writeHead(204).end();
    });
    await provider.stop(ref, { signal: 'SIGINT', timeoutMs: 3000 });
    assert.deepEqual(calls(requests), [
      'GET /version',
      'GET /containers/whoami/json',
      'POST /containers/whoami/kill?signal=SIGINT',
      'POST /containers/whoami/wait?condition=not-running',
      'POST /containers/whoami/stop?t=0',
    ]);
  });

  it('on API 1.41 kills after the grace period when the signal is ignored', async (t) => {
    const { provider, requests } = await setup(t, (req, res) => {
      if (req.path === '/version') return json(res, 200, { ApiVersion: '1.41' });
      if (req.path.endsWith('/json')) return json(res, 200, inspectBody('whoami', { Status: 'running' }));
      if (req.path.endsWith('/wait')) return; // never exits on its own
      res.writeHead(204).end();
    }, 500);
    const started = Date.now();
    await provider.stop(ref, { signal: 'SIGUSR1', timeoutMs: 300 });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 280 && elapsed < 1500, `took ${elapsed}ms`);
    assert.equal(calls(requests).at(-1), 'POST /containers/whoami/stop?t=0');
  });

  it('on API 1.41 does nothing for a container that is not running', async (t) => {
    const { provider, requests } = await setup(t, (req, res) => {
      if (req.path === '/version') return json(res, 200, { ApiVersion: '1.41' });
      return json(res, 200, inspectBody('whoami', { Status: 'exited', ExitCode: 0 }));
    });
    await provider.stop(ref, { signal: 'SIGINT', timeoutMs: 3000 });
    assert.deepEqual(calls(requests), ['GET /version', 'GET /containers/whoami/json']);
  });
});

describe('docker provider idempotence and conflicts', () => {
  it('counts kill of a container that is not running as done', async (t) => {
    const { provider } = await setup(t, (req, res) => {
      if (req.path.endsWith('/kill')) return json(res, 409, { message: 'Container whoami is not running' });
      return json(res, 200, inspectBody('whoami', { Status: 'exited', ExitCode: 137 }));
    });
    await provider.kill(ref, 'SIGTERM');
  });

  it('counts pause of a paused container as done but refuses to pause a stopped one', async (t) => {
    let status = 'paused';
    const { provider } = await setup(t, (req, res) => {
      if (req.path.endsWith('/pause')) return json(res, 409, { message: 'Container whoami is already paused' });
      return json(res, 200, inspectBody('whoami', { Status: status }));
    });
    await provider.pause(ref);
    status = 'exited';
    const err = await rejection(provider.pause(ref));
    assert.equal(err.reason, 'conflict');
    assert.equal(err.statusCode, 409);
  });

  it('counts unpause of a running container as done, though Docker 20.10 answers it with a 500', async (t) => {
    const { provider } = await setup(t, (req, res) => {
      if (req.path.endsWith('/unpause')) return json(res, 500, { message: 'Container f00 is not paused' });
      return json(res, 200, inspectBody('whoami', { Status: 'running' }));
    });
    await provider.unpause(ref);
  });

  it('still fails a 500 when the container is not where the call would put it', async (t) => {
    const { provider } = await setup(t, (req, res) => {
      if (req.path.endsWith('/unpause')) return json(res, 500, { message: 'cgroup trouble' });
      return json(res, 200, inspectBody('whoami', { Status: 'paused' }));
    });
    const err = await rejection(provider.unpause(ref));
    assert.equal(err.statusCode, 500);
  });

  it('does not let a hex-like name fall through to another container\'s ID prefix', async (t) => {
    const { provider, requests } = await setup(t, (_req, res) => json(res, 200, inspectBody('other', { Status: 'running' })));
    const db = { provider: 'local', id: 'db' };
    assert.deepEqual(await provider.status(db), { state: 'missing' });
    const err = await rejection(provider.start(db));
    assert.equal(err.notFound, true);
    assert.ok(requests.every((r) => r.method === 'GET'), 'nothing was started');
  });
});
