import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SupervisedLoop } from './backoff.ts';
import { Supervisor } from './supervisor.ts';
import { silentLogger } from './log.ts';
import { ManualClock, settle } from '../../test/helpers/fakes/index.ts';

test('the supervisor shows a failing loop in backoff with its last error, its failures and the time left', async () => {
  const clock = new ManualClock();
  const loop = new SupervisedLoop({
    name: 'feed',
    log: silentLogger(),
    clock,
    backoff: { initialMs: 4000, maxMs: 4000, jitter: 0 },
    run: () => Promise.reject(new Error('connect EACCES /var/run/docker.sock')),
  });
  const sup = new Supervisor(clock);
  sup.watch('feed "local"', () => loop.status());
  assert.deepEqual(sup.status().map((l) => [l.name, l.state]), [['feed "local"', 'stopped']]);
  loop.start();
  await settle();
  await clock.advance(1000);
  const [view] = sup.status();
  assert.deepEqual([view?.state, view?.failures, view?.last_error, view?.retry_in_ms], ['backoff', 1, 'connect EACCES /var/run/docker.sock', 3000]);
  assert.deepEqual(sup.unwell().map((l) => l.name), ['feed "local"']);
  await clock.advance(3000);
  assert.equal(sup.status()[0]?.failures, 2, 'each failure in a row counts');
  await loop.stop();
  assert.equal(sup.status()[0]?.state, 'stopped');
});

test('sources that change are read when asked, never cached; one switched off shows stopped with its reason', () => {
  const sup = new Supervisor(new ManualClock());
  const awake = new Set(['web']);
  const since = new Date(0);
  sup.watchAll(() => [...awake].map((n) => [`liveness "${n}"`, { state: 'running', since }] as const));
  const off = sup.watch('stats "local"', () => ({ state: 'off', reason: 'the engine answered 403', since }));
  assert.deepEqual(sup.status().map((l) => l.name), ['liveness "web"', 'stats "local"']);
  awake.add('db');
  assert.deepEqual(sup.status().map((l) => l.name), ['liveness "web"', 'liveness "db"', 'stats "local"']);
  assert.deepEqual(sup.status().at(-1), { name: 'stats "local"', state: 'stopped', since: since.toISOString(), failures: 0, reason: 'the engine answered 403' });
  off();
  assert.deepEqual(sup.status().map((l) => l.name), ['liveness "web"', 'liveness "db"']);
});

test('a source that throws is shown as a degraded entry and the others still report', () => {
  const sup = new Supervisor(new ManualClock());
  sup.watchAll(() => {
    throw new Error('broken source');
  });
  sup.watch('ok', () => ({ state: 'running', since: new Date(0) }));
  assert.deepEqual(sup.status().map((l) => [l.name, l.state, l.last_error]), [['supervisor', 'degraded', 'broken source'], ['ok', 'running', undefined]]);
});
