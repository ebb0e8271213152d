/** The signal rules with a fake process; the real signals are sent to a real drowse in test/integration/shutdown.test.ts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { exitOnSignals, type ShutdownSignal } from './shutdown.ts';
import { silentLogger } from './log.ts';

function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  return {
    exits,
    send: (signal: ShutdownSignal) => emitter.emit(signal),
    target: { on: (s: ShutdownSignal, l: () => void) => emitter.on(s, l), exit: (code: number) => void exits.push(code) },
  };
}

test('the first signal stops and exits 0 once the stop is done', async () => {
  const p = fakeProcess();
  let release = () => {};
  const stops: string[] = [];
  exitOnSignals({ log: silentLogger(), deadlineMs: 5_000, target: p.target, stop: (signal) => { stops.push(signal); return new Promise<void>((r) => (release = r)); } });
  p.send('SIGTERM');
  assert.deepEqual(stops, ['SIGTERM']);
  assert.deepEqual(p.exits, [], 'no exit while requests finish');
  release();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(p.exits, [0]);
});

test('a second signal exits at once with 128 + its number', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const p = fakeProcess();
    exitOnSignals({ log: silentLogger(), deadlineMs: 5_000, target: p.target, stop: () => new Promise<void>(() => {}) });
    p.send('SIGTERM');
    p.send(signal);
    assert.deepEqual(p.exits, [code]);
  }
});

test('a stop that fails or hangs past the deadline exits 1', async () => {
  const failing = fakeProcess();
  exitOnSignals({ log: silentLogger(), deadlineMs: 5_000, target: failing.target, stop: () => Promise.reject(new Error('boom')) });
  failing.send('SIGINT');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(failing.exits, [1]);

  const hanging = fakeProcess();
  exitOnSignals({ log: silentLogger(), deadlineMs: 30, target: hanging.target, stop: () => new Promise<void>(() => {}) });
  hanging.send('SIGTERM');
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(hanging.exits, [1]);
});
