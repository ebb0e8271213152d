/** Reloads: a bad config is refused and kept out, a good one applied, and reloads never overlap. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, type DrowseConfig, type LoadResult } from '../config/index.ts';
import { capturingLogger } from '../../test/helpers/fakes/index.ts';
import { Reloader } from './reload.ts';

function good(): LoadResult {
  const r = parseConfig('services: {}\n', 'drowse.yaml', {});
  assert.ok(r.ok);
  return r;
}
const BAD: LoadResult = { ok: false, source: 'drowse.yaml', problems: [{ file: 'drowse.yaml', line: 3, col: 7, path: 'services.a.stop_method', message: 'expected one of stop, pause, kill' }] };

test('a bad config is refused: nothing is applied, every problem is logged with its position and kept for /status', { timeout: 5000 }, async () => {
  const log = capturingLogger();
  const applied: DrowseConfig[] = [];
  const r = new Reloader({ load: async () => BAD, apply: async (c) => (applied.push(c), []), log: log.log });

  const status = await r.reload('signal');

  assert.deepEqual(applied, []);
  assert.equal(status.ok, false);
  assert.equal(status.trigger, 'signal');
  assert.deepEqual(status.problems, ['drowse.yaml:3:7: services.a.stop_method: expected one of stop, pause, kill']);
  assert.deepEqual(r.status(), status);
  assert.ok(log.lines.some((l) => l.level === 50 && l.problem === 'drowse.yaml:3:7: services.a.stop_method: expected one of stop, pause, kill'));
});

test('a good config is applied, and the settings it could not change are named', { timeout: 5000 }, async () => {
  const log = capturingLogger();
  const applied: DrowseConfig[] = [];
  const config = good();
  const r = new Reloader({ load: async () => config, apply: async (c) => (applied.push(c), ['providers']), log: log.log });

  const status = await r.reload('api');

  assert.equal(applied.length, 1);
  assert.equal(applied[0], config.ok ? config.config : undefined);
  assert.equal(status.ok, true);
  assert.deepEqual(status.restart_needed, ['providers']);
  assert.ok(log.lines.some((l) => l.level === 40 && l.setting === 'providers'));
});

test('a load or apply that throws is a refused reload, not a crash', { timeout: 5000 }, async () => {
  const r = new Reloader({ load: async () => good(), apply: async () => Promise.reject(new Error('port in use')), log: capturingLogger().log });
  const status = await r.reload('file');
  assert.equal(status.ok, false);
  assert.deepEqual(status.problems, ['port in use']);
});

test('reloads never overlap: asked for during one, one more runs after it, however often asked', { timeout: 5000 }, async () => {
  let running = 0;
  let most = 0;
  let loads = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const r = new Reloader({
    load: async () => {
      loads++;
      running++;
      most = Math.max(most, running);
      if (loads === 1) await gate;
      running--;
      return good();
    },
    apply: async () => [],
    log: capturingLogger().log,
  });

  const first = r.reload('signal');
  const more = [r.reload('file'), r.reload('file'), r.reload('api')];
  release();
  await Promise.all([first, ...more]);

  assert.equal(loads, 2, 'the first and one queued reload');
  assert.equal(most, 1, 'never two at once');
});

test('without a file to watch, start() watches nothing and reloads still work on request', { timeout: 5000 }, async () => {
  const r = new Reloader({ load: async () => good(), apply: async () => [], log: capturingLogger().log });
  await r.start();
  assert.equal((await r.reload('api')).ok, true);
  r.stop();
});
