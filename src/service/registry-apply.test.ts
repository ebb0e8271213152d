/** ServiceRegistry.apply(): a new set of services keeps what did not change, rebuilds what did, and stops what went. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, formatProblem, type ServiceConfig } from '../config/index.ts';
import { silentLogger } from '../kernel/index.ts';
import { FakeProvider } from '../../test/contract/index.ts';
import { ManualClock, waitFor } from '../../test/helpers/fakes/index.ts';
import { WakeFailedError } from './errors.ts';
import { ServiceRegistry } from './registry.ts';

const REASON = 'its definition was changed or removed';

/** Services with no entrypoint: ready as soon as their workload runs, so no probe is needed. */
function services(yaml: string): ServiceConfig[] {
  const result = parseConfig(`providers:\n  docker:\n    local: { socket: /tmp/local.sock }\nservices:\n${yaml}`, 'test.yaml', {});
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return [...result.config.services];
}

function harness(yaml: string, ids: readonly string[], opts: { clock?: ManualClock; startDelayMs?: number } = {}) {
  const local = new FakeProvider('local');
  for (const id of ids) local.add(id, opts.startDelayMs === undefined ? {} : { startDelayMs: opts.startDelayMs });
  const registry = new ServiceRegistry({
    services: services(yaml),
    provider: (n) => (n === 'local' ? local : undefined),
    log: silentLogger(),
    probeTimeoutMs: 500,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return { local, registry };
}

const names = (list: readonly { name: string }[]) => list.map((s) => s.name);

test('an unchanged definition keeps its Service object and its state', { timeout: 5000 }, async () => {
  const yaml = '  app: { docker: { container: app }, idle_timeout: 5m }\n';
  const { registry } = harness(yaml, ['app']);
  const before = registry.mustGet('app');
  await before.whenReady();
  const change = registry.apply(services(yaml));
  assert.deepEqual(change, { added: [], replaced: [], removed: [] });
  assert.equal(registry.mustGet('app'), before);
  assert.equal(before.state, 'ready', 'not stopped either');
  registry.stop();
});

test('a changed definition gets a new Service object; the old one is stopped, failing its waiters with the reason', { timeout: 5000 }, async () => {
  const { registry } = harness('  app: { docker: { container: app } }\n  other: { docker: { container: other } }\n', ['app', 'other'], { startDelayMs: 60_000 });
  const old = registry.mustGet('app');
  const other = registry.mustGet('other');
  const waiting = old.whenReady();
  const change = registry.apply(services('  app: { docker: { container: app }, idle_timeout: 1m }\n  other: { docker: { container: other } }\n'));
  await assert.rejects(waiting, (err: unknown) => {
    assert.ok(err instanceof WakeFailedError);
    assert.equal(err.message, `service "app": ${REASON}`);
    assert.equal(err.code, 'shutting_down');
    assert.equal(err.notice, `app could not be woken: ${REASON}`);
    return true;
  });
  const now = registry.mustGet('app');
  assert.notEqual(now, old);
  assert.equal(now.config.idleTimeoutMs, 60_000);
  assert.deepEqual(change.added, []);
  assert.deepEqual(change.removed, []);
  assert.equal(change.replaced.length, 1);
  assert.equal(change.replaced[0]?.old, old);
  assert.equal(change.replaced[0]?.now, now);
  assert.equal(registry.mustGet('other'), other, 'the unchanged neighbour is kept');
  assert.deepEqual(names(registry.all()), ['app', 'other']);
  registry.stop();
});

test('a removed service is stopped and reported as removed, not replaced', { timeout: 5000 }, async () => {
  const { registry } = harness('  app: { docker: { container: app } }\n  gone: { docker: { container: gone } }\n', ['app', 'gone'], { startDelayMs: 60_000 });
  const gone = registry.mustGet('gone');
  const waiting = gone.whenReady();
  const change = registry.apply(services('  app: { docker: { container: app } }\n'));
  await assert.rejects(waiting, { message: `service "gone": ${REASON}` });
  assert.deepEqual(change.added, []);
  assert.deepEqual(change.replaced, []);
  assert.deepEqual(change.removed, [gone]);
  assert.equal(registry.get('gone'), undefined);
  assert.equal(registry.refOf('gone'), undefined);
  assert.deepEqual(names(registry.all()), ['app']);
  registry.stop();
});

test('an added service is reported as added, after the kept ones in the order given', () => {
  const { registry } = harness('  app: { docker: { container: app } }\n', ['app', 'new']);
  const app = registry.mustGet('app');
  const change = registry.apply(services('  new: { docker: { container: new } }\n  app: { docker: { container: app } }\n'));
  assert.deepEqual(names(change.added), ['new']);
  assert.deepEqual(change.replaced, []);
  assert.deepEqual(change.removed, []);
  assert.equal(registry.mustGet('app'), app);
  assert.deepEqual(names(registry.all()), ['new', 'app']);
  assert.deepEqual(registry.refOf('new'), { provider: 'local', id: 'new' });
  registry.stop();
});

test('a service added later that depends on an existing one wakes it first, and keeps it awake', { timeout: 5000 }, async () => {
  const clock = new ManualClock();
  const { registry, local } = harness('  db: { docker: { container: db }, idle_timeout: 1m }\n', ['db', 'app'], { clock });
  const db = registry.mustGet('db');
  const change = registry.apply(services('  db: { docker: { container: db }, idle_timeout: 1m }\n  app: { docker: { container: app }, depends_on: db, idle_timeout: 1h }\n'));
  assert.equal(registry.mustGet('db'), db, 'the dependency itself did not change');
  assert.deepEqual(names(change.added), ['app']);
  const app = registry.mustGet('app');
  const ready = app.whenReady();
  await clock.advance(0);
  await waitFor(() => app.state === 'ready', { timeoutMs: 2000, message: 'app ready' });
  await ready;
  assert.deepEqual(local.starts(), ['db', 'app'], 'the dependency was woken first');
  // db idles out while app is awake: the new dependent holds it.
  await clock.advance(61_000);
  assert.deepEqual(db.status().sleep_waits_for, ['app']);
  assert.equal(local.stateOf('db'), 'running');
  registry.stop();
});

test('a dependency removed from the graph no longer holds its former dependent', { timeout: 5000 }, async () => {
  const clock = new ManualClock();
  const { registry, local } = harness('  db: { docker: { container: db }, idle_timeout: 1m }\n  app: { docker: { container: app }, depends_on: db, idle_timeout: 1h }\n', ['db', 'app'], { clock });
  const change = registry.apply(services('  db: { docker: { container: db }, idle_timeout: 1m }\n  app: { docker: { container: app }, idle_timeout: 1h }\n'));
  assert.deepEqual(names(change.replaced.map((r) => r.now)), ['app'], 'app changed; db did not');
  const app = registry.mustGet('app');
  await app.whenReady();
  assert.deepEqual(local.starts(), ['app'], 'db is no longer woken with app');
  registry.stop();
});

test("a change of a dependency's wake_timeout changes the dependent's budget and rebuilds it", () => {
  const yaml = (dbWake: string) => `  db: { docker: { container: db }, wake_timeout: ${dbWake} }\n  app: { docker: { container: app }, depends_on: db, wake_timeout: 5s }\n  alone: { docker: { container: alone }, wake_timeout: 5s }\n`;
  const { registry } = harness(yaml('10s'), ['db', 'app', 'alone']);
  const [db, app, alone] = ['db', 'app', 'alone'].map((n) => registry.mustGet(n));
  assert.equal(registry.wakeBudgetMs('app'), 15_000);
  const change = registry.apply(services(yaml('20s')));
  assert.equal(registry.wakeBudgetMs('app'), 25_000);
  assert.equal(registry.wakeBudgetMs('db'), 20_000);
  assert.deepEqual(change.replaced.map((r) => [r.old.name, r.old === (r.old.name === 'db' ? db : app), r.now === registry.get(r.now.name)]), [
    ['db', true, true],
    ['app', true, true],
  ]);
  assert.equal(registry.mustGet('alone'), alone);
  assert.notEqual(registry.mustGet('app'), app);
  registry.stop();
});

test('a service on a provider that is not configured is refused, and the registry is left as it was', { timeout: 5000 }, async () => {
  const { registry } = harness('  app: { docker: { container: app } }\n', ['app']);
  const app = registry.mustGet('app');
  await app.whenReady();
  const next = services('  app: { docker: { container: app }, idle_timeout: 1m }\n');
  const elsewhere = { ...next[0]!, name: 'nas-app', workload: { provider: 'nas', id: 'x' } };
  assert.throws(() => registry.apply([...next, elsewhere]), { message: 'service "nas-app": provider "nas" is not configured' });
  assert.equal(registry.mustGet('app'), app);
  assert.equal(app.state, 'ready', 'not stopped');
  assert.deepEqual(names(registry.all()), ['app']);
  registry.stop();
});

test('the provider lookup is given the service config, so discovered services can get their own', () => {
  const seen: Array<[string, string]> = [];
  const local = new FakeProvider('local');
  local.add('app');
  const registry = new ServiceRegistry({ services: services('  app: { docker: { container: app } }\n'), provider: (n, sc) => (seen.push([n, sc.name]), local), log: silentLogger(), probeTimeoutMs: 500 });
  assert.deepEqual(seen, [['local', 'app']]);
  registry.stop();
});
