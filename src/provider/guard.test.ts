/** A discovered service's provider asks the labels again before acting: a container that left drowse is never started or stopped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../kernel/index.ts';
import { guardedByLabels } from './guard.ts';
import { ProviderError } from './errors.ts';
import type { ExecResult, Provider, WorkloadRef, WorkloadState, WorkloadStatus } from './provider.ts';

const REF: WorkloadRef = { provider: 'local', id: 'web' };
const STATUS: WorkloadStatus = { state: 'stopped', exitCode: 0 };
const EXEC: ExecResult = { exitCode: 0, output: 'ok' };
const LIST: ReadonlyMap<string, WorkloadState> = new Map([['web', 'running']]);

/** A provider that records every call with its arguments. */
function recording(withOptional = true) {
  const calls: unknown[][] = [];
  const provider: Provider = {
    name: 'local',
    kind: 'docker',
    status: async (...args) => (calls.push(['status', ...args]), STATUS),
    start: async (...args) => void calls.push(['start', ...args]),
    stop: async (...args) => void calls.push(['stop', ...args]),
    pause: async (...args) => void calls.push(['pause', ...args]),
    unpause: async (...args) => void calls.push(['unpause', ...args]),
    kill: async (...args) => void calls.push(['kill', ...args]),
    ...(withOptional
      ? {
          list: async (...args: unknown[]) => (calls.push(['list', ...args]), LIST),
          exec: async (...args: unknown[]) => (calls.push(['exec', ...args]), EXEC),
          address: async (...args: unknown[]) => (calls.push(['address', ...args]), '127.0.0.2'),
        }
      : {}),
  };
  return { provider, calls };
}

function harness(enabled: boolean, withOptional = true) {
  const { provider, calls } = recording(withOptional);
  const asked: Array<[string, AbortSignal | undefined]> = [];
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', format: 'json' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } as unknown as NodeJS.WritableStream);
  const guarded = guardedByLabels(provider, { stillEnabled: async (id, signal) => (asked.push([id, signal]), enabled) }, log);
  return { guarded, calls, asked, lines };
}

test('the guarded provider keeps the name and kind', () => {
  const { guarded } = harness(true);
  assert.equal(guarded.name, 'local');
  assert.equal(guarded.kind, 'docker');
});

test('start passes through, with its signal and progress, while the container is still enabled', { timeout: 5000 }, async () => {
  const h = harness(true);
  const signal = new AbortController().signal;
  const progress = () => undefined;
  await h.guarded.start(REF, signal, progress);
  assert.deepEqual(h.calls, [['start', REF, signal, progress]]);
  assert.deepEqual(h.asked, [['web', signal]]);
});

test('unpause passes through, with its signal, while the container is still enabled', { timeout: 5000 }, async () => {
  const h = harness(true);
  const signal = new AbortController().signal;
  await h.guarded.unpause(REF, signal);
  assert.deepEqual(h.calls, [['unpause', REF, signal]]);
  assert.deepEqual(h.asked, [['web', signal]]);
});

for (const op of ['start', 'unpause'] as const) {
  test(`${op} is refused as not_found once the label is gone, and the provider is not called`, { timeout: 5000 }, async () => {
    const h = harness(false);
    await assert.rejects(h.guarded[op](REF), (err: unknown) => {
      assert.ok(err instanceof ProviderError);
      assert.equal(err.reason, 'not_found');
      assert.equal(err.op, op);
      assert.equal(err.ref, 'web');
      assert.equal(err.provider, 'local');
      assert.equal(err.kind, 'docker');
      assert.equal(err.message, `docker provider "local": ${op} "web": the container no longer has drowse.enable=true; drowse leaves it alone`);
      return true;
    });
    assert.deepEqual(h.calls, []);
    assert.deepEqual(h.asked.map(([id]) => id), ['web']);
  });
}

const sleeps: Array<['stop' | 'pause' | 'kill', (p: Provider) => Promise<unknown>, unknown[]]> = [
  ['stop', (p) => p.stop(REF, { signal: 'SIGTERM', timeoutMs: 1000 }), ['stop', REF, { signal: 'SIGTERM', timeoutMs: 1000 }]],
  ['pause', (p) => p.pause(REF), ['pause', REF]],
  ['kill', (p) => p.kill(REF, 'SIGKILL'), ['kill', REF, 'SIGKILL']],
];
for (const [op, call, want] of sleeps) {
  test(`${op} passes through while the container is still enabled`, { timeout: 5000 }, async () => {
    const h = harness(true);
    await call(h.guarded);
    assert.deepEqual(h.calls, [want]);
    assert.deepEqual(h.asked.map(([id]) => id), ['web']);
    assert.deepEqual(h.lines, []);
  });

  test(`${op} leaves a container whose label is gone as it is, and logs it`, { timeout: 5000 }, async () => {
    const h = harness(false);
    await call(h.guarded);
    assert.deepEqual(h.calls, []);
    assert.deepEqual(
      h.lines.map((l) => [l['level'], l['msg'], l['provider'], l['workload'], l['op']]),
      [[30, 'container no longer has drowse.enable=true; left as it is', 'local', 'web', op]],
    );
  });
}

test('status, list, exec and address pass straight through without asking the labels', { timeout: 5000 }, async () => {
  const h = harness(false);
  const signal = new AbortController().signal;
  assert.equal(await h.guarded.status(REF, signal), STATUS);
  assert.equal(await h.guarded.list?.(signal), LIST);
  assert.equal(await h.guarded.exec?.(REF, ['true'], signal), EXEC);
  assert.equal(await h.guarded.address?.(REF, {}, signal), '127.0.0.2');
  assert.deepEqual(h.calls, [
    ['status', REF, signal],
    ['list', signal],
    ['exec', REF, ['true'], signal],
    ['address', REF, {}, signal],
  ]);
  assert.deepEqual(h.asked, []);
});

test('a provider without list, exec or address gives a guarded one without them', () => {
  const { guarded } = harness(true, false);
  assert.equal('list' in guarded, false);
  assert.equal('exec' in guarded, false);
  assert.equal('address' in guarded, false);
});

test('a failing label check fails the action and calls nothing', { timeout: 5000 }, async () => {
  const { provider, calls } = recording();
  const boom = new Error('engine down');
  const guarded = guardedByLabels(provider, { stillEnabled: () => Promise.reject(boom) }, createLogger({ level: 'silent', format: 'json' }));
  await assert.rejects(guarded.start(REF), boom);
  await assert.rejects(guarded.stop(REF, { signal: 'SIGTERM', timeoutMs: 1 }), boom);
  assert.deepEqual(calls, []);
});
