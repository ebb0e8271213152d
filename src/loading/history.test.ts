import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WakeEventType } from '../service/index.ts';
import type { ShownEvent as WakeEvent } from './events.ts';
import { WakeHistory } from './history.ts';

let nextId = 1;
const ev = (type: WakeEventType): WakeEvent => ({ id: nextId++, service: 'app', type, at: new Date(0).toISOString(), message: type });
const types = (events: WakeEvent[]) => events.map((e) => e.type);

test('a late subscriber gets the whole current wake, ending in ready', () => {
  const h = new WakeHistory();
  for (const t of ['waking', 'starting', 'started', 'probing', 'ready'] as const) h.push(ev(t));
  assert.deepEqual(types(h.since()), ['waking', 'starting', 'started', 'probing', 'ready']);
});

test('a new wake starts a new history', () => {
  const h = new WakeHistory();
  for (const t of ['waking', 'error', 'waking', 'starting'] as const) h.push(ev(t));
  assert.deepEqual(types(h.since()), ['waking', 'starting']);
});

test('a stop starts a new history, so a page served while stopping never sees the old ready', () => {
  const h = new WakeHistory();
  for (const t of ['waking', 'starting', 'ready', 'stopping'] as const) h.push(ev(t));
  assert.deepEqual(types(h.since()), ['stopping']);
  h.push(ev('waking'));
  assert.deepEqual(types(h.since()), ['waking']);
});

test('a client holding an id from an earlier drowse process gets the whole history', () => {
  const h = new WakeHistory();
  h.push(ev('waking'));
  h.push(ev('ready'));
  assert.deepEqual(types(h.since(1_000_000)), ['waking', 'ready']);
  assert.deepEqual(types(h.since(Number.NaN)), ['waking', 'ready']);
});

test('a reconnecting subscriber gets only what it missed', () => {
  const h = new WakeHistory();
  const first = ev('waking');
  h.push(first);
  h.push(ev('starting'));
  h.push(ev('ready'));
  assert.deepEqual(types(h.since(first.id)), ['starting', 'ready']);
});

test('the history is bounded and keeps the newest events', () => {
  const h = new WakeHistory(3);
  h.push(ev('waking'));
  for (let i = 0; i < 10; i++) h.push(ev('probing'));
  h.push(ev('ready'));
  assert.equal(h.since().length, 3);
  assert.equal(h.since().at(-1)?.type, 'ready');
});
