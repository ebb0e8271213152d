import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WakeEvent } from '../service/index.ts';
import { describe } from './sentences.ts';

const e = (fields: Omit<WakeEvent, 'id' | 'service' | 'at'>): WakeEvent => ({ id: 1, service: 'web', at: '2026-12-01T00:00:00.000Z', ...fields });

const cases: Array<[WakeEvent, string]> = [
  [e({ type: 'waking' }), 'Waking web'],
  [e({ type: 'dependency_waking', dependency: 'db' }), 'Waking db'],
  [e({ type: 'dependency_ready', dependency: 'db' }), 'db is ready'],
  [e({ type: 'starting' }), 'Starting web'],
  [e({ type: 'starting', unpause: true }), 'Unpausing web'],
  [e({ type: 'starting', busy: 'backup' }), 'web is busy (backup); it starts once that is done'],
  [e({ type: 'started' }), 'web is running'],
  [e({ type: 'probing', check: 'probe' }), 'Waiting for the app to answer'],
  [e({ type: 'probing', check: 'healthcheck' }), 'Waiting for the container to report healthy'],
  [e({ type: 'ready' }), 'web is ready'],
  [e({ type: 'stopping', method: 'pause', reason: 'idle' }), 'Putting web to sleep (pause)'],
  [e({ type: 'asleep' }), 'web is asleep'],
  [e({ type: 'error', error: 'web could not start' }), 'Could not wake web'],
  [e({ type: 'error', failed: 'stop' }), 'Could not put web to sleep'],
  [e({ type: 'unhealthy', error: 'refused' }), 'web is unhealthy'],
  [e({ type: 'healthy' }), 'web is healthy again'],
  [e({ type: 'restarting' }), 'Restarting web'],
];

for (const [event, sentence] of cases) {
  test(`a ${event.type} event reads "${sentence}"`, () => assert.equal(describe(event), sentence));
}

test('a sentence never carries the detail meant for the operator', () => {
  assert.equal(describe(e({ type: 'error', error: 'web could not start', detail: 'wake failed: ctr-1 on backend.test' })).includes('ctr-1'), false);
});
