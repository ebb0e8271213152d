import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transition, initialSnapshot, backoffMs, type Snapshot, type ServiceEvent, type Effect, type ServiceState } from './state.ts';

const s = (state: ServiceState, extra: Partial<Snapshot> = {}): Snapshot => ({ state, wakeQueued: false, ...extra });
const NOW = 1_000_000;
const wake: ServiceEvent = { type: 'wake', at: NOW };
const forced: ServiceEvent = { type: 'wake', at: NOW, force: true };
const idle: ServiceEvent = { type: 'sleep', reason: 'idle' };
const manual: ServiceEvent = { type: 'sleep', reason: 'manual' };
const ok: ServiceEvent = { type: 'wake_succeeded' };
const failed: ServiceEvent = { type: 'wake_failed', reason: 'boom', notice: 'web could not start', retryAt: NOW + 5000 };
const stopped: ServiceEvent = { type: 'stop_succeeded' };
const stopFailed: ServiceEvent = { type: 'stop_failed', reason: 'engine gone', notice: 'web could not be put to sleep' };
/** After one failed wake, held off until NOW + 5 s. */
const backingOff = { reason: 'x', notice: 'n', failures: 1, retryAt: NOW + 5000 };
const offline: ServiceEvent = { type: 'provider_offline', reason: 'provider "local" is unreachable: ECONNREFUSED', notice: 'web cannot be reached right now' };
const gone = { reason: 'provider "local" is unreachable: ECONNREFUSED', notice: 'web cannot be reached right now' };
const seen = (workload: 'running' | 'paused' | 'stopped' | 'missing'): ServiceEvent => ({ type: 'observed', workload });

const cases: Array<[string, Snapshot, ServiceEvent, Snapshot, Effect[]]> = [
  ['a request to a sleeping service starts one wake', s('asleep'), wake, s('waking'), [{ type: 'begin_wake' }]],
  ['a container started by hand is probed, not started again', s('asleep'), seen('running'), s('waking'), [{ type: 'begin_wake' }]],
  ['a paused container seen while asleep changes nothing', s('asleep'), seen('paused'), s('asleep'), []],
  ['a sleep request for a sleeping service does nothing', s('asleep'), idle, s('asleep'), []],
  ['a stale wake result while asleep is ignored', s('asleep'), ok, s('asleep'), []],
  ['more requests while waking do not start a second wake', s('waking'), wake, s('waking'), []],
  ['a successful wake releases waiters and arms the idle timer', s('waking'), ok, s('ready'), [{ type: 'release_waiters' }, { type: 'arm_idle_timer' }]],
  ['a failed wake fails waiters, starts the backoff and still arms the idle timer', s('waking'), failed, s('error', { reason: 'boom', notice: 'web could not start', failures: 1, retryAt: NOW + 5000 }), [{ type: 'fail_waiters', reason: 'boom', notice: 'web could not start' }, { type: 'arm_idle_timer' }]],
  ['a second failed wake in a row counts two failures', s('waking', { failures: 1, retryAt: 1 }), failed, s('error', { reason: 'boom', notice: 'web could not start', failures: 2, retryAt: NOW + 5000 }), [{ type: 'fail_waiters', reason: 'boom', notice: 'web could not start' }, { type: 'arm_idle_timer' }]],
  ['a successful wake ends the backoff and forgets the failures', s('waking', { failures: 3, retryAt: NOW + 9 }), ok, s('ready'), [{ type: 'release_waiters' }, { type: 'arm_idle_timer' }]],
  ['a request during the backoff starts no wake', s('error', backingOff), wake, s('error', backingOff), []],
  ['a request after the backoff tries again and keeps the failure count', s('error', backingOff), { type: 'wake', at: NOW + 5000 }, s('waking', { failures: 1, retryAt: NOW + 5000 }), [{ type: 'disarm_idle_timer' }, { type: 'begin_wake' }]],
  ['an operator\'s forced wake goes through the backoff', s('error', backingOff), forced, s('waking', { failures: 1, retryAt: NOW + 5000 }), [{ type: 'disarm_idle_timer' }, { type: 'begin_wake' }]],
  ['the backoff outlives the sleep that follows a failed wake', s('stopping', { failures: 1, retryAt: NOW + 5000 }), stopped, s('asleep', { failures: 1, retryAt: NOW + 5000 }), []],
  ['a request to a service asleep after failures waits out the backoff', s('asleep', { failures: 1, retryAt: NOW + 5000 }), wake, s('asleep', { failures: 1, retryAt: NOW + 5000 }), []],
  ['a request while stopping during the backoff is not queued', s('stopping', { failures: 1, retryAt: NOW + 5000 }), wake, s('stopping', { failures: 1, retryAt: NOW + 5000 }), []],
  ['a missing workload is not looked for again by requests', s('error', { failures: 1, retryAt: Infinity }), { type: 'wake', at: NOW + 1e12 }, s('error', { failures: 1, retryAt: Infinity }), []],
  ['news that a missing workload exists again ends the wait', s('error', { failures: 1, retryAt: Infinity }), seen('stopped'), s('error', { failures: 1 }), []],
  ['news that a missing workload is still missing keeps the wait', s('asleep', { failures: 1, retryAt: Infinity }), seen('missing'), s('asleep', { failures: 1, retryAt: Infinity }), []],
  ['news of a workload during a timed backoff keeps the backoff', s('error', backingOff), seen('stopped'), s('error', backingOff), []],
  // Activity and idleness, decided here rather than around the machine.
  ['the first request in flight stops the idle timer', s('ready'), { type: 'activity_began' }, s('ready', { inFlight: 1 }), [{ type: 'disarm_idle_timer' }]],
  ['a second request in flight changes nothing else', s('ready', { inFlight: 1 }), { type: 'activity_began' }, s('ready', { inFlight: 2 }), []],
  ['the last request to end starts the idle timer', s('ready', { inFlight: 1 }), { type: 'activity_ended' }, s('ready'), [{ type: 'arm_idle_timer' }]],
  ['a request that ends while others run keeps the timer off', s('ready', { inFlight: 2 }), { type: 'activity_ended' }, s('ready', { inFlight: 1 }), []],
  ['a request ending while asleep arms nothing', s('asleep', { inFlight: 1 }), { type: 'activity_ended' }, s('asleep'), []],
  ['an unmatched end counts nothing below zero', s('ready'), { type: 'activity_ended' }, s('ready'), []],
  ['bytes on a connection start the idle count over', s('ready'), { type: 'activity' }, s('ready'), [{ type: 'arm_idle_timer' }]],
  ['bytes while a request is in flight leave the timer off', s('ready', { inFlight: 1 }), { type: 'activity' }, s('ready', { inFlight: 1 }), []],
  ['bytes while waking arm nothing', s('waking'), { type: 'activity' }, s('waking'), []],
  ['an idle timer running out with no dependent awake puts the service to sleep', s('ready'), { type: 'idle_elapsed', dependentsAwake: false }, s('stopping'), [{ type: 'disarm_idle_timer' }, { type: 'begin_stop', reason: 'idle' }]],
  ['an idle timer running out while a dependent is awake puts the sleep off', s('ready'), { type: 'idle_elapsed', dependentsAwake: true }, s('ready', { sleepDue: true }), []],
  ['an idle timer running out with a request in flight is ignored', s('ready', { inFlight: 1 }), { type: 'idle_elapsed', dependentsAwake: false }, s('ready', { inFlight: 1 }), []],
  ['an idle error stops what the failed wake left running', s('error', { reason: 'x' }), { type: 'idle_elapsed', dependentsAwake: false }, s('stopping'), [{ type: 'disarm_idle_timer' }, { type: 'begin_stop', reason: 'idle' }]],
  ['the last dependent falling asleep lets a put-off sleep happen', s('ready', { sleepDue: true }), { type: 'dependent_slept', dependentsAwake: false }, s('stopping'), [{ type: 'disarm_idle_timer' }, { type: 'begin_stop', reason: 'idle' }]],
  ['a dependent falling asleep while another is awake keeps the sleep put off', s('ready', { sleepDue: true }), { type: 'dependent_slept', dependentsAwake: true }, s('ready', { sleepDue: true }), []],
  ['a dependent falling asleep does nothing when no sleep was put off', s('ready'), { type: 'dependent_slept', dependentsAwake: false }, s('ready'), []],
  ['new activity forgets a put-off sleep', s('ready', { sleepDue: true }), { type: 'activity_began' }, s('ready', { inFlight: 1 }), [{ type: 'disarm_idle_timer' }]],
  ['a request in flight survives the wake it waited for', s('waking', { inFlight: 1 }), ok, s('ready', { inFlight: 1 }), [{ type: 'release_waiters' }]],
  ['a container started by hand during the backoff is probed', s('error', backingOff), seen('running'), s('waking', { failures: 1, retryAt: NOW + 5000 }), [{ type: 'disarm_idle_timer' }, { type: 'begin_wake' }]],
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
  ['a failed stop is an error that will be retried when idle', s('stopping'), stopFailed, s('error', { reason: 'engine gone', notice: 'web could not be put to sleep' }), [{ type: 'arm_idle_timer' }]],
  ['a failed stop with a queued wake goes on to wake', s('stopping', { wakeQueued: true }), stopFailed, s('waking'), [{ type: 'begin_wake' }]],
  ['events caused by our own stop do not end the stop early', s('stopping'), seen('stopped'), s('stopping'), []],
  ['a request after a failed wake tries again', s('error', { reason: 'x' }), wake, s('waking'), [{ type: 'disarm_idle_timer' }, { type: 'begin_wake' }]],
  ['a container started by hand after an error is probed', s('error', { reason: 'x' }), seen('running'), s('waking'), [{ type: 'disarm_idle_timer' }, { type: 'begin_wake' }]],
  ['an idle error state stops whatever the failed wake left running', s('error', { reason: 'x' }), idle, s('stopping'), [{ type: 'disarm_idle_timer' }, { type: 'begin_stop', reason: 'idle' }]],
  ['an error keeps its reason when the container is seen stopped', s('error', { reason: 'x' }), seen('stopped'), s('error', { reason: 'x' }), []],
  // An offline provider: what drowse believed may be stale, so it says it does not know.
  ['a ready service whose provider goes offline is unknown, with the provider\'s error', s('ready'), offline, s('unknown', gone), [{ type: 'disarm_idle_timer' }]],
  ['a sleeping service whose provider goes offline is unknown', s('asleep'), offline, s('unknown', gone), [{ type: 'disarm_idle_timer' }]],
  ['an error whose provider goes offline is unknown and keeps its backoff', s('error', backingOff), offline, s('unknown', { ...gone, failures: 1, retryAt: NOW + 5000 }), [{ type: 'disarm_idle_timer' }]],
  ['requests in flight stay counted when the provider goes offline', s('ready', { inFlight: 2 }), offline, s('unknown', { ...gone, inFlight: 2 }), [{ type: 'disarm_idle_timer' }]],
  ['a wake under way is left to finish when the provider goes offline', s('waking'), offline, s('waking'), []],
  ['a stop under way is left to finish when the provider goes offline', s('stopping'), offline, s('stopping'), []],
  ['a second offline report changes nothing', s('unknown', gone), offline, s('unknown', gone), []],
  ['a request while unknown starts no wake but is queued for the return', s('unknown', gone), wake, s('unknown', { ...gone, wakeQueued: true }), []],
  ['a request while unknown during a backoff is not queued', s('unknown', { ...gone, failures: 1, retryAt: NOW + 5000 }), wake, s('unknown', { ...gone, failures: 1, retryAt: NOW + 5000 }), []],
  ['the resync finding the workload running probes it before it is ready again', s('unknown', gone), seen('running'), s('waking'), [{ type: 'begin_wake' }]],
  ['the resync finding the workload stopped settles it asleep', s('unknown', gone), seen('stopped'), s('asleep'), []],
  ['the resync finding it stopped wakes it when requests were queued', s('unknown', { ...gone, wakeQueued: true }), seen('stopped'), s('waking'), [{ type: 'begin_wake' }]],
  ['the resync finding the workload missing settles it asleep', s('unknown', gone), seen('missing'), s('asleep'), []],
  ['a sleep while unknown changes nothing: there is no engine to stop it on', s('unknown', gone), idle, s('unknown', gone), []],
  ['an idle timer running out while unknown changes nothing', s('unknown', gone), { type: 'idle_elapsed', dependentsAwake: false }, s('unknown', gone), []],
  ['the last request ending while unknown arms no idle timer', s('unknown', { ...gone, inFlight: 1 }), { type: 'activity_ended' }, s('unknown', gone), []],
];

for (const [name, from, event, next, effects] of cases) {
  test(name, () => {
    const step = transition(from, event);
    assert.deepEqual(step.next, next);
    assert.deepEqual(step.effects, effects);
  });
}

test('every state answers every event without throwing', () => {
  const states: ServiceState[] = ['asleep', 'waking', 'ready', 'stopping', 'error', 'unknown'];
  const events: ServiceEvent[] = [wake, idle, manual, ok, failed, stopped, stopFailed, offline, seen('running'), seen('paused'), seen('stopped'), seen('missing')];
  for (const st of states) for (const ev of events) assert.doesNotThrow(() => transition(s(st), ev), `${st} + ${ev.type}`);
});

test('a new service behaves as asleep: the first request starts a wake, a stale stop result changes nothing', () => {
  assert.deepEqual(transition(initialSnapshot, wake), { next: s('waking'), effects: [{ type: 'begin_wake' }] });
  assert.deepEqual(transition(initialSnapshot, stopped), { next: s('asleep'), effects: [] }, 'nothing queued either');
  assert.deepEqual(transition(initialSnapshot, idle).effects, [], 'nothing to stop before anything was started');
});

test('a reason is kept only while in error: a wake after an error forgets it', () => {
  const afterError = transition(s('waking'), failed).next;
  const retried = transition(afterError, { type: 'wake', at: NOW + 5000 }).next;
  assert.equal(retried.state, 'waking');
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

test('the wake backoff is 5 s after one failure, doubling, and never more than 5 minutes', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 100].map((n) => backoffMs(n)), [0, 5000, 10000, 20000, 40000, 80000, 160000, 300000, 300000, 300000]);
  assert.equal(backoffMs(3, { initialMs: 100, maxMs: 250 }), 250);
});
