import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import vm from 'node:vm';
import { createLogger, silentLogger } from './log.ts';
import { lastResortCollector, MemoryTrim } from './memory-trim.ts';

const MB = 2 ** 20;

/** A trim whose readings the test sets: RSS, how busy the loop was, and a collector that frees what it is told. */
function scripted(opts: { rssMB: number; freesMB?: number; minGrowthMB?: number }) {
  const state = { rssMB: opts.rssMB, busy: 0, collected: 0 };
  const trim = new MemoryTrim({
    log: silentLogger(),
    minGrowthBytes: (opts.minGrowthMB ?? 8) * MB,
    maxUtilization: 0.02,
    rss: () => state.rssMB * MB,
    utilization: () => state.busy,
    collect: () => {
      state.collected++;
      state.rssMB -= opts.freesMB ?? 0;
    },
  });
  return { trim, state };
}

test('the first quiet interval after start trims once; a quiet process that has not grown since is left alone', { timeout: 5_000 }, () => {
  const { trim, state } = scripted({ rssMB: 125, freesMB: 25 });
  assert.equal(trim.check(), true, 'start-up left memory behind: the first quiet interval gives it back');
  assert.equal(state.collected, 1);
  for (let i = 0; i < 5; i++) assert.equal(trim.check(), false);
  state.rssMB += 7;
  assert.equal(trim.check(), false, 'growth under the threshold is not worth a pause');
  assert.equal(state.collected, 1);
});

test('a busy interval never trims, however much memory grew; the next quiet one does', { timeout: 5_000 }, () => {
  const { trim, state } = scripted({ rssMB: 100, freesMB: 20 });
  state.busy = 0.5;
  assert.equal(trim.check(), false, 'the loop was busy: a GC pause would land on requests');
  state.rssMB = 300;
  state.busy = 0.03;
  assert.equal(trim.check(), false, 'just over the utilization limit still counts as busy');
  assert.equal(state.collected, 0);
  state.busy = 0.001;
  assert.equal(trim.check(), true);
  assert.equal(state.collected, 1);
});

test('growth is counted from the lowest RSS since the last trim, so memory that fell and rose again is trimmed', { timeout: 5_000 }, () => {
  const { trim, state } = scripted({ rssMB: 100, freesMB: 10 });
  assert.equal(trim.check(), true);
  // The GC's pages go back over the following moments: 90 MB right after, 80 MB a little later.
  state.rssMB = 80;
  assert.equal(trim.check(), false);
  state.rssMB = 89;
  assert.equal(trim.check(), true, '9 MB above the 80 MB it fell to, though below the 90 MB read right after the trim');
  assert.equal(state.collected, 2);
});

test('a collector that throws stops the trim with one warning and leaves the process running', { timeout: 5_000 }, () => {
  const out = new PassThrough();
  const lines: { level: number; msg: string }[] = [];
  out.on('data', (c: Buffer) => lines.push(...c.toString().trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string })));
  let calls = 0;
  const trim = new MemoryTrim({ log: createLogger({ level: 'info', format: 'json' }, out), rss: () => 200 * MB, utilization: () => 0, collect: () => { calls++; throw new Error('no gc here'); } });
  trim.start();
  assert.equal(trim.check(), false);
  assert.equal(trim.check(), false);
  assert.equal(calls, 1, 'not tried again after it failed');
  assert.equal(trim.trims, 0);
  assert.equal(lines.filter((l) => l.level === 40).length, 1);
  assert.match(lines[0]?.msg ?? '', /memory trim failed/);
});

test('started, the trim checks on its interval by itself, and stopped it checks no more', { timeout: 5_000 }, async () => {
  let checks = 0;
  const trim = new MemoryTrim({ log: silentLogger(), intervalMs: 5, rss: () => 50 * MB, utilization: () => { checks++; return 1; }, collect: () => undefined });
  trim.start();
  trim.start();
  while (checks < 3) await new Promise((r) => setTimeout(r, 5));
  trim.stop();
  const at = checks;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(checks, at, 'no check after stop');
});

test('the last-resort collector frees a heap of garbage, gives its pages back, and leaves gc() hidden from everything else', { timeout: 30_000 }, () => {
  const collect = lastResortCollector();
  assert.ok(collect, 'V8 lends a gc() to a fresh context');
  collect();
  const baseline = process.memoryUsage().rss;
  let garbage: { i: number; s: string }[] | undefined = [];
  for (let i = 0; i < 2_000_000; i++) garbage.push({ i, s: `item ${i}` });
  const before = process.memoryUsage();
  garbage = undefined;
  collect();
  const after = process.memoryUsage();
  assert.equal(garbage, undefined);
  assert.ok(before.heapUsed - after.heapUsed > 100 * MB, `the garbage was collected at once: ${Math.round(before.heapUsed / MB)} → ${Math.round(after.heapUsed / MB)} MB`);
  // An ordinary major GC keeps most of the emptied pages (287 → 242 MB in the measurement that chose this one; last-resort: → 63 MB).
  const grew = before.rss - baseline;
  assert.ok(after.rss - baseline < grew / 2, `most of the ${Math.round(grew / MB)} MB the garbage took is given back: RSS ${Math.round(before.rss / MB)} → ${Math.round(after.rss / MB)} MB`);
  assert.equal((globalThis as { gc?: unknown }).gc, undefined, 'the main context has no gc()');
  assert.equal(vm.runInNewContext('typeof gc'), 'undefined', 'the flag was cleared: later contexts have no gc() either');
});
