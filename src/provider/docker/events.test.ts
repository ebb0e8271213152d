import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpretDockerEvent, parseDockerEvent, type DockerEventMessage } from './events.ts';

function msg(action: string, attributes: Record<string, string> = {}, type = 'container'): DockerEventMessage {
  return { Type: type, Action: action, status: action, Actor: { ID: 'abc', Attributes: { name: 'whoami', image: 'x', ...attributes } }, time: 1795320370, timeNano: Number('1795320370363719919') }; // as JSON.parse reads it: beyond 2^53
}

test('docker events map to the state the container is in afterwards', async (t) => {
  const cases: [action: string, state: string | undefined][] = [
    ['create', 'stopped'], ['start', 'running'], ['restart', 'running'], ['unpause', 'running'],
    ['pause', 'paused'], ['die', 'stopped'], ['stop', 'stopped'], ['destroy', 'missing'],
    ['kill', undefined], ['oom', undefined],
    ['exec_start: sh -c true', undefined], ['exec_die', undefined], ['attach', undefined], ['resize', undefined],
  ];
  for (const [action, state] of cases) {
    await t.test(`${action} → ${state ?? 'ignored'}`, () => {
      const meaning = interpretDockerEvent('local', msg(action));
      if (state === undefined) return assert.equal(meaning.kind, 'ignore');
      assert.equal(meaning.kind, 'event');
      if (meaning.kind === 'event') {
        assert.equal(meaning.event.state, state);
        assert.equal(meaning.event.action, action);
        assert.equal(meaning.event.id, 'whoami');
        assert.equal(meaning.event.provider, 'local');
      }
    });
  }
});

test('a health_status event is a verdict to look at again, never a state change', () => {
  for (const health of ['healthy', 'unhealthy', 'starting']) {
    assert.deepEqual(interpretDockerEvent('local', msg(`health_status: ${health}`)), { kind: 'health', id: 'whoami', health });
  }
});

test('a die event carries the exit code and the engine\'s time', () => {
  const meaning = interpretDockerEvent('local', msg('die', { exitCode: '143' }));
  assert.deepEqual(meaning, {
    kind: 'event',
    event: { provider: 'local', id: 'whoami', state: 'stopped', action: 'die', exitCode: 143, at: new Date('2026-11-22T04:06:10.363Z') },
  });
});

test('a rename asks for a resync, since two names changed meaning', () => {
  assert.deepEqual(interpretDockerEvent('local', msg('rename', { oldName: '/old' })), { kind: 'resync' });
});

test('events of other object types or without a container name are ignored', () => {
  assert.equal(interpretDockerEvent('local', msg('start', {}, 'network')).kind, 'ignore');
  assert.equal(interpretDockerEvent('local', { Type: 'container', Action: 'start', Actor: { Attributes: {} } }).kind, 'ignore');
});

test('parseDockerEvent accepts objects only', () => {
  assert.deepEqual(parseDockerEvent('{"Action":"start"}'), { Action: 'start' });
  assert.equal(parseDockerEvent('[1]'), undefined);
  assert.equal(parseDockerEvent('{"Action":'), undefined);
  assert.equal(parseDockerEvent('null'), undefined);
});
