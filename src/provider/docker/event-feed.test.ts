// The event feed against a hand-written engine: stream ends, chunking and failures on demand.
// The real-engine case (events of a container driven by the docker CLI) is in test/integration.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { silentLogger } from '../../kernel/index.ts';
import { fakeDockerEngine, json, RecordingObserver, waitFor, type FakeHandler } from '../../../test/helpers/fakes/index.ts';
import { createDockerClient, DockerEventFeed } from './index.ts';

function line(action: string, name = 'whoami', attributes: Record<string, string> = {}): string {
  return `${JSON.stringify({ Type: 'container', Action: action, status: action, Actor: { ID: 'abc', Attributes: { name, ...attributes } }, time: 1795320370 })}\n`;
}

function openStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.flushHeaders();
}

async function setup(t: TestContext, handler: FakeHandler, pingIntervalMs?: number) {
  const engine = await fakeDockerEngine(handler);
  const observer = new RecordingObserver();
  const collector = new DockerEventFeed({
    provider: 'local',
    docker: createDockerClient({ name: 'local', socket: engine.socket }),
    log: silentLogger(),
    backoff: { initialMs: 20, maxMs: 40 },
    ...(pingIntervalMs === undefined ? {} : { pingIntervalMs }),
  });
  t.after(async () => {
    await collector.stop();
    await engine.close();
  });
  return { engine, observer, collector };
}

describe('docker event collector', () => {
  it('subscribes to container events first, then reports online and asks for a resync', async (t) => {
    const { engine, observer, collector } = await setup(t, (req, res) => {
      if (req.path === '/events') return openStream(res);
      json(res, 200, 'OK');
    });
    await collector.start(observer);
    await waitFor(() => observer.resyncs === 1, { message: 'a resync' });
    assert.deepEqual(observer.summary(), ['online:true', 'resync']);
    const events = engine.requests.find((r) => r.path === '/events');
    assert.deepEqual(JSON.parse(events!.query.get('filters')!), { type: ['container'] });
    const since = Number(events!.query.get('since'));
    assert.ok(Math.abs(since - (Date.now() / 1000 - 2)) < 5, 'reaches a little into the past to close the subscribe gap');
    assert.equal(collector.state().state, 'running');
  });

  it('relays events cut anywhere across chunks, in order, and ignores signals', async (t) => {
    const { observer, collector } = await setup(t, (req, res) => {
      if (req.path !== '/events') return json(res, 200, 'OK');
      openStream(res);
      const text = line('start') + line('kill', 'whoami', { signal: '15' }) + line('die', 'whoami', { exitCode: '143' }) + line('stop') + line('pause', 'db');
      const cuts = [5, 17, 130, 131, 250, text.length];
      let from = 0;
      for (const cut of cuts) {
        res.write(text.slice(from, cut));
        from = cut;
      }
    });
    await collector.start(observer);
    await waitFor(() => observer.events().length === 4, { message: 'four events' });
    assert.deepEqual(observer.summary(), ['online:true', 'resync', 'event:whoami:start:running', 'event:whoami:die:stopped', 'event:whoami:stop:stopped', 'event:db:pause:paused']);
    assert.equal(observer.events('whoami')[1]!.exitCode, 143);
  });

  it('reports offline when the stream ends, reconnects, and resyncs again', async (t) => {
    let connections = 0;
    const { observer, collector } = await setup(t, (req, res) => {
      if (req.path !== '/events') return json(res, 200, 'OK');
      connections++;
      openStream(res);
      if (connections === 1) res.end(line('start'));
    });
    await collector.start(observer);
    await waitFor(() => observer.resyncs === 2, { message: 'a second resync' });
    assert.deepEqual(observer.summary(), ['online:true', 'resync', 'event:whoami:start:running', 'online:false', 'online:true', 'resync']);
    const offline = observer.calls.find((c) => c.kind === 'online' && !c.online);
    assert.match(offline?.kind === 'online' ? String(offline.error?.message) : '', /^docker provider "local": events: stream ended/);
  });

  it('reports an engine that is down once, keeps retrying with backoff, and comes online when it answers', async (t) => {
    let failures = 3;
    const attempts: number[] = [];
    const { observer, collector } = await setup(t, (req, res) => {
      if (req.path === '/events') attempts.push(Date.now());
      if (req.path === '/events' && failures-- > 0) return json(res, 500, { message: 'daemon starting' });
      if (req.path === '/events') return openStream(res);
      json(res, 200, 'OK');
    });
    await collector.start(observer);
    // The backoff state itself lasts 20-40 ms here, too short to catch on a busy machine: its
    // traces are the retries, spaced by the backoff, and the failure the feed kept.
    await waitFor(() => observer.resyncs === 1, { message: 'the resync after recovery' });
    assert.equal(attempts.length, 4, 'three failed attempts, then the one that connected');
    for (let i = 1; i < attempts.length; i++) assert.ok((attempts[i] ?? 0) - (attempts[i - 1] ?? 0) >= 10, 'retries wait out a backoff');
    assert.match(collector.health().lastError ?? '', /^docker provider "local": events: engine answered HTTP 500: daemon starting/);
    assert.deepEqual(observer.summary(), ['online:false', 'online:true', 'resync']);
  });

  it('keeps the engine\'s health: offline from the start, the reason of a failure kept after it comes online', async (t) => {
    let failures = 1;
    const { observer, collector } = await setup(t, (req, res) => {
      if (req.path === '/events' && failures-- > 0) return json(res, 500, { message: 'daemon starting' });
      if (req.path === '/events') return openStream(res);
      json(res, 200, 'OK');
    });
    assert.equal(collector.health().online, false, 'offline until it connects');
    await collector.start(observer);
    await waitFor(() => collector.health().online, { message: 'online after recovery' });
    assert.deepEqual(observer.summary().slice(0, 2), ['online:false', 'online:true']);
    assert.match(collector.health().lastError ?? '', /^docker provider "local": events: engine answered HTTP 500: daemon starting/);
  });

  it('keeps streaming when the observer throws', async (t) => {
    const { observer, collector } = await setup(t, (req, res) => {
      if (req.path !== '/events') return json(res, 200, 'OK');
      openStream(res);
      res.write(line('start') + line('stop'));
    });
    let first = true;
    const record = observer.onWorkloadEvent.bind(observer);
    observer.onWorkloadEvent = (event) => {
      record(event);
      if (first) {
        first = false;
        throw new Error('observer bug');
      }
    };
    await collector.start(observer);
    await waitFor(() => observer.events().length === 2, { message: 'both events' });
    assert.equal(collector.state().state, 'running');
  });

  it('reconnects when the engine stops answering pings on a quiet stream', async (t) => {
    let pings = 0;
    const { observer, collector } = await setup(t, (req, res) => {
      if (req.path === '/events') return openStream(res);
      if (req.path === '/_ping' && ++pings === 1) return json(res, 500, { message: 'gone' });
      json(res, 200, 'OK');
    }, 30);
    await collector.start(observer);
    await waitFor(() => observer.resyncs === 2, { message: 'a resync after the failed ping' });
    const offline = observer.calls.find((c) => c.kind === 'online' && !c.online);
    assert.match(offline?.kind === 'online' ? String(offline.error?.message) : '', /engine stopped answering pings/);
  });

  it('stops idempotently, closes the stream, and does not report the engine offline', async (t) => {
    let closed = false;
    const { observer, collector } = await setup(t, (req, res) => {
      if (req.path !== '/events') return json(res, 200, 'OK');
      openStream(res);
      res.on('close', () => { closed = true; });
    });
    const abort = new AbortController();
    await collector.start(observer, abort.signal);
    await waitFor(() => observer.resyncs === 1);
    abort.abort();
    await Promise.all([collector.stop(), collector.stop()]);
    await waitFor(() => closed, { message: 'the engine to see the stream closed' });
    assert.equal(collector.state().state, 'stopped');
    assert.deepEqual(observer.summary(), ['online:true', 'resync']);
  });
});
