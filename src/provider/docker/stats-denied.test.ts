/**
 * A socket proxy in front of the engine answers 403 to what it does not allow. Stats and disk
 * usage are extras: a denied one is switched off with one clear log line and shown as off in the
 * monitors' status, never retried in an error loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../kernel/index.ts';
import { fakeDockerEngine, json, type FakeRequest } from '../../../test/helpers/fakes/index.ts';
import { createDockerClient } from './client.ts';
import { DockerStats } from './stats.ts';

const DENIED = { message: 'forbidden by the socket proxy' };

async function statsAgainst(t: { after(fn: () => unknown): void }, answer: (req: FakeRequest) => { status: number; body: unknown }) {
  const engine = await fakeDockerEngine((req, res) => {
    const { status, body } = answer(req);
    json(res, status, body);
  });
  t.after(() => engine.close());
  const lines: Array<{ level: number; msg: string; endpoint?: string }> = [];
  const out = new PassThrough();
  out.on('data', (c: Buffer) => { for (const l of c.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { level: number; msg: string }); });
  const stats = new DockerStats({
    provider: 'local',
    docker: createDockerClient({ name: 'local', socket: engine.socket }),
    awake: () => ['web'],
    statsIntervalMs: 100,
    diskUsageIntervalMs: 1000,
    log: createLogger({ level: 'debug', format: 'json' }, out),
  });
  t.after(() => stats.stop());
  return { engine, stats, lines };
}

const requestsTo = (requests: readonly FakeRequest[], re: RegExp) => requests.filter((r) => re.test(r.path)).length;

test('disk usage denied with 403 is switched off with one warning and not asked again', { timeout: 10_000 }, async (t) => {
  const { engine, stats, lines } = await statsAgainst(t, (req) => (req.path === '/system/df' ? { status: 403, body: DENIED } : { status: 200, body: {} }));

  stats.start();
  await new Promise((resolve) => setTimeout(resolve, 2500));

  assert.equal(requestsTo(engine.requests, /^\/system\/df$/), 1, 'asked once, not in a loop');
  const state = stats.state();
  assert.equal(state.disk_usage.state, 'off');
  assert.match('reason' in state.disk_usage ? state.disk_usage.reason : '', /403.*\/system\/df/);
  assert.equal(state.stats.state, 'running', 'stats go on');
  const warnings = lines.filter((l) => l.level >= 40);
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.match(warnings[0]?.msg ?? '', /disk usage off/);
  assert.equal(stats.diskUsage(), undefined);
});

test('container stats denied with 403 are switched off with one warning and not asked again', { timeout: 10_000 }, async (t) => {
  const { engine, stats, lines } = await statsAgainst(t, (req) =>
    req.path.endsWith('/stats') ? { status: 403, body: DENIED } : { status: 200, body: { LayersSize: 10 } });

  stats.start();
  await new Promise((resolve) => setTimeout(resolve, 1000));

  assert.equal(requestsTo(engine.requests, /\/stats$/), 1, 'asked once, not every stats_interval');
  const state = stats.state();
  assert.equal(state.stats.state, 'off');
  assert.match('reason' in state.stats ? state.stats.reason : '', /403.*\/containers\/\{id\}\/stats/);
  assert.equal(state.disk_usage.state, 'running', 'disk usage goes on');
  assert.equal(stats.diskUsage()?.images_bytes, 10);
  const warnings = lines.filter((l) => l.level >= 40);
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.match(warnings[0]?.msg ?? '', /stats off/);
  assert.equal(stats.statsOf('web'), undefined);
});

test('a stats read that fails otherwise (a container gone) leaves stats on', { timeout: 10_000 }, async (t) => {
  const { engine, stats } = await statsAgainst(t, (req) =>
    req.path.endsWith('/stats') ? { status: 404, body: { message: 'no such container' } } : { status: 200, body: {} });

  stats.start();
  await new Promise((resolve) => setTimeout(resolve, 600));

  assert.ok(requestsTo(engine.requests, /\/stats$/) >= 3, 'read again every stats_interval');
  assert.equal(stats.state().stats.state, 'running');
});
