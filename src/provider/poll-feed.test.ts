// The generic poll feed on a manual clock: a list function the test scripts stands in for a backend.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../kernel/index.ts';
import { ManualClock, RecordingObserver } from '../../test/helpers/fakes/index.ts';
import { PollFeed } from './poll-feed.ts';
import type { WorkloadState } from './provider.ts';

type Listing = Map<string, WorkloadState> | Error;

/** A feed whose list() answers with the next scripted listing (the last one repeats). */
function setup(script: Listing[]) {
  const clock = new ManualClock();
  const observer = new RecordingObserver();
  let calls = 0;
  const feed = new PollFeed({
    provider: 'pve',
    kind: 'test',
    intervalMs: 1000,
    backoff: { initialMs: 500, maxMs: 2000, jitter: 0 },
    log: silentLogger(),
    clock,
    list: async () => {
      const next = script[Math.min(calls++, script.length - 1)]!;
      if (next instanceof Error) throw next;
      return next;
    },
  });
  return { clock, observer, feed, calls: () => calls };
}

const listing = (entries: Record<string, WorkloadState>) => new Map(Object.entries(entries));

describe('poll feed', () => {
  it('reports online and asks for a resync after the first list, then only what changed', async (t) => {
    const { clock, observer, feed } = setup([
      listing({ a: 'stopped', b: 'running' }),
      listing({ a: 'running', b: 'running' }),
      listing({ a: 'running', b: 'paused', c: 'stopped' }),
      listing({ a: 'running', c: 'stopped' }),
    ]);
    t.after(() => feed.stop());
    feed.start(observer);
    await clock.advance(0);
    assert.deepEqual(observer.summary(), ['online:true', 'resync']);
    assert.equal(feed.health().online, true);
    await clock.advance(1000);
    await clock.advance(1000);
    await clock.advance(1000);
    assert.deepEqual(observer.summary().slice(2), ['event:a:poll:running', 'event:b:poll:paused', 'event:c:poll:stopped', 'event:b:poll:missing']);
    assert.ok(observer.events().every((e) => e.provider === 'pve'));
  });

  it('a failed list reports offline once with the error, backs off, and resyncs on the next good list', async (t) => {
    const down = new Error('pve: connection refused');
    const { clock, observer, feed, calls } = setup([listing({ a: 'running' }), down, down, listing({ a: 'stopped' })]);
    t.after(() => feed.stop());
    feed.start(observer);
    await clock.advance(0);
    await clock.advance(1000);
    assert.deepEqual(observer.summary(), ['online:true', 'resync', 'online:false']);
    assert.equal(feed.state().state, 'backoff');
    assert.deepEqual({ online: feed.health().online, lastError: feed.health().lastError }, { online: false, lastError: 'pve: connection refused' });
    await clock.advance(499);
    assert.equal(calls(), 2, 'waits out the backoff before listing again');
    await clock.advance(1);
    assert.equal(calls(), 3);
    assert.deepEqual(observer.summary(), ['online:true', 'resync', 'online:false'], 'a second failure is not reported again');
    await clock.advance(1000);
    // After a failure the listing is not diffed against the old one: a resync re-reads everything.
    assert.deepEqual(observer.summary(), ['online:true', 'resync', 'online:false', 'online:true', 'resync']);
    assert.equal(feed.health().online, true);
    assert.equal(feed.health().lastError, 'pve: connection refused', 'the last error is kept after recovery');
    assert.equal(feed.state().state, 'running');
  });

  it('is offline until its first list, and stops without reporting offline', async () => {
    const { clock, observer, feed } = setup([listing({})]);
    assert.equal(feed.health().online, false);
    assert.equal(feed.state().state, 'stopped');
    feed.start(observer);
    await clock.advance(0);
    await feed.stop();
    await feed.stop();
    assert.equal(feed.state().state, 'stopped');
    assert.deepEqual(observer.summary(), ['online:true', 'resync']);
  });

  it('an interval given as a function is read again while it waits, so a shorter one applies at once', async (t) => {
    const clock = new ManualClock();
    let fast = false;
    let calls = 0;
    const feed = new PollFeed({
      provider: 'pve', kind: 'test', log: silentLogger(), clock,
      intervalMs: () => (fast ? 1000 : 60_000),
      list: async () => {
        calls++;
        return listing({});
      },
    });
    t.after(() => feed.stop());
    feed.start(new RecordingObserver());
    await clock.advance(0);
    await clock.advance(5000);
    assert.equal(calls, 1, 'the slow interval holds');
    fast = true;
    await clock.advance(249);
    assert.equal(calls, 1);
    await clock.advance(1);
    assert.equal(calls, 2, 'already longer ago than the fast interval: lists at the next recheck');
    await clock.advance(999);
    assert.equal(calls, 2);
    await clock.advance(1);
    assert.equal(calls, 3);
    fast = false;
    await clock.advance(30_000);
    assert.equal(calls, 3, 'back to the slow one');
  });
});
