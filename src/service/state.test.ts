import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transition, initialSnapshot, type Snapshot, type ServiceEvent, type Effect, type ServiceState } from './state.ts';

const s = (state: ServiceState, extra: Partial<Snapshot> = {}): Snapshot => ({ state, wakeQueued: false, ...extra });
const wake: ServiceEvent = { type: 'wake' };
const idle: ServiceEvent = { type: 'sleep', reason: 'idle' };
const manual: ServiceEvent = { type: 'sleep', reason: 'manual' };
const ok: ServiceEvent = { type: 'wake_succeeded' };
const failed: ServiceEvent = { type: 'wake_failed', reason: 'boom' };
const stopped: ServiceEvent = { type: 'stop_succeeded' };
const stopFailed: ServiceEvent = { type: 'stop_failed', reason: 'engine gone' };
const seen = (workload: 'running' | 'paused' | 'stopped' | 'missing'): ServiceEvent => ({ type: 'observed', workload });

const cases: Array<[string, Snapshot, ServiceEvent, Snapshot, Effect[]]> = [
  ['a request to a sleeping service starts one wake', s('asleep'), wake, s('waking'), [{ type: 'begin_wake' }]],
  ['a container started by hand is probed, not started again', s('asleep'), seen('running'), s('waking'), [{ type: 'begin_wake' }]],
  ['a paused container seen while asleep changes nothing', s('asleep'), seen('paused'), s('asleep'), []],
  ['a sleep request for a sleeping service does nothing', s('asleep'), idle, s('asleep'), []],
  ['a stale wake result while asleep is ignored', s('asleep'), ok, s('asleep'), []],
  ['more requests while waking do not start a second wake', s('waking'), wake, s('waking'), []],
  ['a successful wake releases waiters and arms the idle timer', s('waking'), ok, s('ready'), [{ type: 'release_waiters' }, { type: 'arm_idle_timer' }]],
  ['a failed wake fails waiters and still arms the idle timer', s('waking'), failed, s('error', { reason: 'boom' }), [{ type: 'fail_waiters', reason: 'boom' }, { type: 'arm_idle_timer' }]],
  ['a sleep request cannot cancel a wake', s('waking'), manual, s('waking'), []],
  ['our own start event while waking is ignored', s('waking'), seen('running'), s('waking'), []],
  ['the idle timer puts a ready service to sleep', s('ready'), idle, s('stopping'), [{ type: 'disarm_idle_timer' }, { type: 'begin_stop', reason: 'idle' }]],
  ['a manual sleep stops a ready service', s('ready'), manual, s('stopping'), [{ type: 'disarm_idle_timer' }, { type: 'begin_stop', reason: 'manual' }]],
  ['a container stopped by hand makes a ready service asleep', s('ready'), seen('stopped'), s('asleep'), [{ type: 'disarm_idle_timer' }]],
  ['a container paused by hand makes a ready service asleep', s('ready'), seen('paused'), s('asleep'), [{ type: 'disarm_idle_timer' }]],
  ['a removed container makes a ready service asleep', s('ready'), seen('missing'), s('asleep'), [{ type: 'disarm_idle_timer' }]],
  ['a ready service stays ready on requests', s('ready'), wake, s('ready'), []],
  ['a request while stopping is queued', s('stopping'), wake, s('stopping', { wakeQueued: true }), []],
  ['a finished stop with nothing queued is asleep', s('stopping'), stopped, s('asleep'), []],
  ['a finished stop with a queued wake wakes again', s('stopping', { wakeQueued: true }), stopped, s('waking'), [{ type: 'begin_wake' }]],
  ['a failed stop is an error that will be retried when idle', s('stopping'), stopFailed, s('error', { reason: 'engine gone' }), [{ type: 'arm_idle_timer' }]],
  ['a failed stop with a queued wake goes on to wake', s('stopping', { wakeQueued: true }), stopFailed, s('waking'), [{ type: 'begin_wake' }]],
  ['events caused by our own stop do not end the stop early', s('stopping'), seen('stopped'), s('stopping'), []],
  ['a request after a failed wake tries again', s('error', { reason: 'x' }), wake, s('waking'), [{ type: 'disarm_idle_timer' }, { type: 'begin_wake' }]],
  ['a container started by hand after an error is probed', s('error', { reason: 'x' }), seen('running'), s('waking'), [{ type: 'disarm_idle_timer' }, { type: 'begin_wake' }]],
  ['an idle error state stops whatever the failed wake left running', s('error', { reason: 'x' }), idle, s('stopping'), [{ type: 'disarm_idle_timer' }, { type: 'begin_stop', reason: 'idle' }]],
  ['an error keeps its reason when the container is seen stopped', s('error', { reason: 'x' }), seen('stopped'), s('error', { reason: 'x' }), []],
];

for (const [name, from, event, next, effects] of cases) {
  test(name, () => {
    const step = transition(from, event);
    assert.deepEqual(step.next, next);
    assert.deepEqual(step.effects, effects);
  });
}

test('every state answers every event without throwing', () => {
  const states: ServiceState[] = ['asleep', 'waking', 'ready', 'stopping', 'error'];
  const events: ServiceEvent[] = [wake, idle, manual, ok, failed, stopped, stopFailed, seen('running'), seen('paused'), seen('stopped'), seen('missing')];
  for (const st of states) for (const ev of events) assert.doesNotThrow(() => transition(s(st), ev), `${st} + ${ev.type}`);
});

test('a new service behaves as asleep: the first request starts a wake, a stale stop result changes nothing', () => {
  assert.deepEqual(transition(initialSnapshot, wake), { next: s('waking'), effects: [{ type: 'begin_wake' }] });
  assert.deepEqual(transition(initialSnapshot, stopped), { next: s('asleep'), effects: [] }, 'nothing queued either');
  assert.deepEqual(transition(initialSnapshot, idle).effects, [], 'nothing to stop before anything was started');
});

test('a reason is kept only while in error: a wake after an error forgets it', () => {
  const afterError = transition(s('waking'), failed).next;
  const retried = transition(afterError, wake).next;
  assert.equal(retried.reason, undefined);
  assert.equal('reason' in transition(retried, ok).next, false, 'a ready snapshot carries no reason');
});

test('a queued wake is cleared once it runs', () => {
  const queued = transition(s('stopping'), wake).next;
  assert.equal(queued.wakeQueued, true);
  const woken = transition(queued, stopped).next;
  assert.deepEqual(woken, s('waking'));
  assert.equal(transition(transition(woken, ok).next, idle).next.wakeQueued, false);
});

test('an event the machine does not know is a programming error, named in the message', () => {
  assert.throws(() => transition(s('asleep'), { type: 'bogus' } as unknown as ServiceEvent), /service state machine: unhandled .*bogus/);
  assert.throws(() => transition(s('bogus' as ServiceState), wake), /unhandled "bogus"/);
});
