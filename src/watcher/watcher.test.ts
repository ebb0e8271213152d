/** The watcher lists each source, merges the snapshots with the file and applies only what changed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig, type DiscoveredConfig, type DrowseConfig, type LabelledWorkload } from '../config/index.ts';
import type { Discovery } from '../provider/index.ts';
import { capturingLogger, ManualClock, waitFor } from '../../test/helpers/fakes/index.ts';
import { ConfigWatcher } from './watcher.ts';

const SETTLE_MS = 10;

function fileConfig(): DrowseConfig {
  const result = parseConfig('entrypoints: { http: "127.0.0.1:8080" }\nproviders:\n  docker:\n    a: { labels: true }\n    b: { labels: true }\n', 'drowse.yaml', {});
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems.map(formatProblem)));
  return result.config;
}

function container(provider: string, id: string, labels: Record<string, string> = {}): LabelledWorkload {
  return { provider, id, labels: { 'drowse.enable': 'true', 'drowse.http.host': `${id}.lan`, 'drowse.http.port': '80', ...labels }, reach: (port) => ({ host: '127.0.0.1', port }) };
}

/** A discovery whose snapshot, failures and pauses the test sets. */
class FakeDiscovery implements Discovery {
  snapshot: LabelledWorkload[] = [];
  calls = 0;
  failures = 0;
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;

  /** Listings from now on wait until {@link release}. */
  hold(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }

  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  async list(): Promise<readonly LabelledWorkload[]> {
    this.calls++;
    if (this.#gate) await this.#gate;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('engine down');
    }
    return [...this.snapshot];
  }

  stillEnabled(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

function harness(providers: readonly string[] = ['a']) {
  const discoveries = new Map(providers.map((p) => [p, new FakeDiscovery()]));
  const applied: DiscoveredConfig[] = [];
  const { log, lines } = capturingLogger();
  const clock = new ManualClock();
  const watcher = new ConfigWatcher({
    file: fileConfig(),
    sources: [...discoveries].map(([provider, discovery]) => ({ provider, discovery })),
    apply: (merged) => applied.push(merged),
    log,
    clock,
    settleMs: SETTLE_MS,
  });
  const names = (i = applied.length - 1) => applied[i]?.config.services.map((s) => s.name);
  return { watcher, discoveries, d: discoveries.get(providers[0]!)!, applied, names, lines };
}

/**
 * Resolves after every timer the watcher armed with at most `ms`: Node fires timers in the order
 * they are due, so this observes the watcher's settle timer having fired without guessing a delay.
 */
function afterTimersOf(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test('start lists the source once and applies the merged set once', { timeout: 5000 }, async () => {
  const h = harness();
  h.d.snapshot = [container('a', 'web')];
  await h.watcher.start(5000);
  assert.equal(h.d.calls, 1);
  assert.equal(h.applied.length, 1);
  assert.deepEqual(h.names(), ['web']);
  assert.equal(h.watcher.merged(), h.applied[0]);
  assert.deepEqual(h.watcher.status(), [{ provider: 'a', containers: 1, listed_at: '2026-01-01T00:00:00.000Z' }]);
  h.watcher.stop();
});

test('start lists every source once; the merged set holds the containers of all of them', { timeout: 5000 }, async () => {
  const h = harness(['a', 'b']);
  h.discoveries.get('a')!.snapshot = [container('a', 'one')];
  h.discoveries.get('b')!.snapshot = [container('b', 'two'), container('b', 'three')];
  await h.watcher.start(5000);
  assert.deepEqual([...h.discoveries.values()].map((d) => d.calls), [1, 1]);
  assert.deepEqual([...(h.names() ?? [])].sort(), ['one', 'three', 'two']);
  assert.deepEqual(h.watcher.merged()?.config.services.find((s) => s.name === 'two')?.workload, { provider: 'b', id: 'two' });
  assert.deepEqual(h.watcher.status().map((s) => [s.provider, s.containers]), [
    ['a', 1],
    ['b', 2],
  ]);
  h.watcher.stop();
});

test('with nothing labelled the file config is applied once', { timeout: 5000 }, async () => {
  const h = harness();
  await h.watcher.start(5000);
  assert.equal(h.applied.length, 1);
  assert.deepEqual(h.names(), []);
  assert.deepEqual(h.applied[0]?.unavailable, []);
  h.watcher.stop();
});

test('start returns after withinMs when a source hangs, and applies once the listing ends', { timeout: 5000 }, async () => {
  const h = harness();
  h.d.snapshot = [container('a', 'web')];
  h.d.hold();
  const t0 = Date.now();
  await h.watcher.start(50);
  assert.ok(Date.now() - t0 >= 45, 'waited for withinMs');
  assert.equal(h.applied.length, 0);
  assert.deepEqual(h.watcher.status(), [{ provider: 'a', containers: 0 }]);
  h.d.release();
  await waitFor(() => h.applied.length === 1, { timeoutMs: 2000, message: 'the late listing applied' });
  assert.deepEqual(h.names(), ['web']);
  h.watcher.stop();
});

test('changed() coalesces a burst into one listing after settleMs', { timeout: 5000 }, async () => {
  const h = harness();
  await h.watcher.start(5000);
  h.d.snapshot = [container('a', 'web')];
  for (let i = 0; i < 5; i++) h.watcher.changed('a');
  assert.equal(h.d.calls, 1, 'nothing listed before the burst settles');
  await waitFor(() => h.applied.length === 2, { timeoutMs: 2000, message: 'the burst listed' });
  await afterTimersOf(SETTLE_MS);
  assert.equal(h.d.calls, 2);
  assert.deepEqual(h.names(), ['web']);
  h.watcher.stop();
});

test('changed() for a provider that does not discover is ignored', { timeout: 5000 }, async () => {
  const h = harness();
  await h.watcher.start(5000);
  h.watcher.changed('other');
  await afterTimersOf(SETTLE_MS);
  assert.equal(h.d.calls, 1);
  h.watcher.stop();
});

test('a change noticed while a listing runs lists once more after it, however many came', { timeout: 5000 }, async () => {
  const h = harness();
  await h.watcher.start(5000);
  h.d.hold();
  h.watcher.changed('a');
  await waitFor(() => h.d.calls === 2, { timeoutMs: 2000, message: 'the second listing started' });
  // Both changes arrive while listing 2 waits: the first snapshot it returns may predate them.
  h.watcher.changed('a');
  await afterTimersOf(SETTLE_MS);
  h.watcher.changed('a');
  await afterTimersOf(SETTLE_MS);
  assert.equal(h.d.calls, 2, 'no listing runs beside another');
  h.d.snapshot = [container('a', 'web')];
  h.d.release();
  await waitFor(() => h.d.calls === 3 && h.applied.length === 2, { timeoutMs: 2000, message: 'the listing after' });
  await afterTimersOf(SETTLE_MS);
  assert.equal(h.d.calls, 3);
  assert.deepEqual(h.names(), ['web']);
  h.watcher.stop();
});

test('a listing that finds the same set applies nothing', { timeout: 5000 }, async () => {
  const h = harness();
  h.d.snapshot = [container('a', 'web')];
  await h.watcher.start(5000);
  h.watcher.changed('a');
  await waitFor(() => h.d.calls === 2, { timeoutMs: 2000 });
  // A third listing that does find a change shows the second was merged and not applied.
  h.d.snapshot = [container('a', 'web'), container('a', 'api')];
  h.watcher.changed('a');
  await waitFor(() => h.applied.length === 2, { timeoutMs: 2000, message: 'the changed set applied' });
  assert.equal(h.d.calls, 3);
  assert.deepEqual(h.names(), ['web', 'api']);
  h.watcher.stop();
});

test('a relabelled container is applied, and so is a removed one', { timeout: 5000 }, async () => {
  const h = harness();
  h.d.snapshot = [container('a', 'web')];
  await h.watcher.start(5000);
  h.d.snapshot = [container('a', 'web', { 'drowse.idle_timeout': '1m' })];
  h.watcher.changed('a');
  await waitFor(() => h.applied.length === 2, { timeoutMs: 2000 });
  assert.equal(h.applied[1]?.config.services[0]?.idleTimeoutMs, 60_000);
  h.d.snapshot = [];
  h.watcher.changed('a');
  await waitFor(() => h.applied.length === 3, { timeoutMs: 2000 });
  assert.deepEqual(h.names(), []);
  h.watcher.stop();
});

test('a container with bad labels is applied as unavailable and logged as a warning', { timeout: 5000 }, async () => {
  const h = harness();
  h.d.snapshot = [container('a', 'web', { 'drowse.idle_timeout': 'soon' })];
  await h.watcher.start(5000);
  assert.deepEqual(h.names(), []);
  assert.deepEqual(h.applied[0]?.unavailable.map((u) => u.name), ['web']);
  const warn = h.lines.find((l) => l['msg'] === 'labelled container is not served: its labels have problems');
  assert.equal(warn?.['level'], 40);
  assert.equal(warn?.['service'], 'web');
  assert.equal(warn?.['container'], 'web');
  assert.equal(warn?.['provider'], 'a');
  assert.deepEqual(warn?.['problems'], ['container "web": label drowse.idle_timeout: expected a duration like 30s or 15m']);
  h.watcher.stop();
});

test('a failing listing is reported in status, retried with backoff, and cleared by a success', { timeout: 10_000 }, async () => {
  const h = harness();
  h.d.snapshot = [container('a', 'web')];
  h.d.failures = 1;
  const t0 = Date.now();
  await h.watcher.start(5000);
  assert.deepEqual(h.watcher.status(), [{ provider: 'a', containers: 0, error: 'engine down' }]);
  assert.equal(h.applied.length, 0);
  const warn = h.lines.find((l) => l['msg'] === 'listing labelled containers failed; retrying');
  assert.equal(warn?.['level'], 40);
  assert.equal(warn?.['provider'], 'a');
  assert.equal(warn?.['err'], 'engine down');
  await waitFor(() => h.applied.length === 1, { timeoutMs: 5000, message: 'the retry listed' });
  assert.ok(Date.now() - t0 >= 1500, 'the first retry waits the backoff (2 s less jitter)');
  assert.equal(h.d.calls, 2);
  assert.deepEqual(h.watcher.status(), [{ provider: 'a', containers: 1, listed_at: '2026-01-01T00:00:00.000Z' }]);
  assert.deepEqual(h.names(), ['web']);
  h.watcher.stop();
});

test('a failing listing keeps the last snapshot: services do not vanish while an engine is unreachable', { timeout: 5000 }, async () => {
  const h = harness();
  h.d.snapshot = [container('a', 'web')];
  await h.watcher.start(5000);
  h.d.failures = 1;
  h.watcher.changed('a');
  await waitFor(() => h.watcher.status()[0]?.error === 'engine down', { timeoutMs: 2000 });
  assert.equal(h.watcher.status()[0]?.containers, 1);
  assert.equal(h.applied.length, 1);
  h.watcher.stop();
});

test('stop() cancels a pending listing and ignores later changes', { timeout: 5000 }, async () => {
  const h = harness();
  await h.watcher.start(5000);
  h.d.snapshot = [container('a', 'web')];
  h.watcher.changed('a');
  h.watcher.stop();
  h.watcher.changed('a');
  await afterTimersOf(SETTLE_MS);
  assert.equal(h.d.calls, 1);
  assert.equal(h.applied.length, 1);
});

test('stop() while a listing runs: nothing is applied and nothing listed after', { timeout: 5000 }, async () => {
  const h = harness();
  await h.watcher.start(5000);
  h.d.hold();
  h.watcher.changed('a');
  await waitFor(() => h.d.calls === 2, { timeoutMs: 2000 });
  await h.watcher.start(0); // asks for another listing while this one runs
  h.d.snapshot = [container('a', 'web')];
  h.watcher.stop();
  h.d.release();
  await afterTimersOf(SETTLE_MS);
  assert.equal(h.d.calls, 2);
  assert.equal(h.applied.length, 1);
});
