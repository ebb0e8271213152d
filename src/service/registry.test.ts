import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, formatProblem } from '../config/index.ts';
import { createLogger, MAX_TIMER_MS, silentLogger } from '../kernel/index.ts';
import { FakeProvider } from '../../test/contract/index.ts';
import { waitFor } from '../../test/helpers/fakes/index.ts';
import { ServiceRegistry, REFRESH_CONCURRENCY } from './registry.ts';

/** Services with no entrypoint: ready as soon as their workload runs, so no probe is needed. */
function registry(yaml: string, providers: Record<string, FakeProvider>, log = silentLogger()) {
  const providerYaml = Object.keys(providers).map((p) => `    ${p}: { socket: /tmp/${p}.sock }`).join('\n');
  const result = parseConfig(`providers:\n  docker:\n${providerYaml}\n${yaml}`, 'test.yaml', {});
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return new ServiceRegistry({ services: result.config.services, provider: (n) => providers[n], log, probeTimeoutMs: 500 });
}

const event = (provider: string, id: string) => ({ provider, id, state: 'running' as const, action: 'start', at: new Date() });

test('services are built in config order, linked along depends_on, with budgets that sum their dependencies', () => {
  const local = new FakeProvider('local');
  for (const id of ['app', 'db', 'cache']) local.add(id);
  const r = registry(`services:
  app: { docker: { container: app }, depends_on: [db, cache], wake_timeout: 10s }
  db: { docker: { container: db }, wake_timeout: 20s }
  cache: { docker: { container: cache }, depends_on: db, wake_timeout: 5s }
`, { local });
  assert.deepEqual(r.all().map((s) => s.name), ['app', 'db', 'cache']);
  assert.equal(r.wakeBudgetMs('app'), 35_000, 'db counted once');
  assert.equal(r.wakeBudgetMs('cache'), 25_000);
  assert.equal(r.wakeBudgetMs('db'), 20_000);
  assert.deepEqual(r.refOf('cache'), { provider: 'local', id: 'cache' });
  assert.equal(r.refOf('nope'), undefined);
  assert.equal(r.get('nope'), undefined);
  assert.throws(() => r.mustGet('nope'), /no service "nope"/);
  assert.equal(r.mustGet('db').name, 'db');
  r.stop();
});

test('a budget past what a timer can hold is capped', () => {
  const local = new FakeProvider('local');
  const names = Array.from({ length: 800 }, (_, i) => `s${i}`);
  for (const n of names) local.add(n);
  const yaml = names.map((n, i) => `  ${n}: { docker: { container: ${n} }, wake_timeout: 1h${i > 0 ? `, depends_on: s${i - 1}` : ''} }`).join('\n');
  const r = registry(`services:\n${yaml}\n`, { local });
  assert.equal(r.wakeBudgetMs('s799'), MAX_TIMER_MS);
  assert.equal(r.wakeBudgetMs('s0'), 3_600_000);
  r.stop();
});

test('a workload event is re-read from its provider and reaches only the services on that workload', async () => {
  const local = new FakeProvider('local');
  const other = new FakeProvider('other');
  local.add('app');
  local.add('db');
  other.add('app');
  const r = registry(`services:
  a: { docker: { container: app, provider: local } }
  b: { docker: { container: db, provider: local } }
  c: { docker: { container: app, provider: other } }
`, { local, other });
  local.set('app', 'running');
  r.onWorkloadEvent(event('local', 'app'));
  await waitFor(() => r.get('a')?.state === 'ready', { timeoutMs: 2_000, message: 'a follows its workload' });
  assert.ok(local.reads('app') >= 1, 'the state was read, not taken from the event');
  assert.deepEqual([local.reads('db'), other.reads('app')], [0, 0], 'no other workload was read');
  assert.deepEqual([r.get('b')?.state, r.get('c')?.state], ['asleep', 'asleep']);
  assert.deepEqual(r.awakeOn('local'), ['app']);
  assert.deepEqual(r.awakeOn('other'), []);
  r.stop();
});

test('a resync re-reads every service on that provider and no other', async () => {
  const local = new FakeProvider('local');
  const other = new FakeProvider('other');
  local.add('x');
  local.add('y');
  other.add('z');
  const r = registry(`services:
  x: { docker: { container: x, provider: local } }
  y: { docker: { container: y, provider: local } }
  z: { docker: { container: z, provider: other } }
`, { local, other });
  local.set('y', 'running');
  r.onResync('local');
  await waitFor(() => r.get('y')?.state === 'ready', { timeoutMs: 2_000 });
  assert.equal(local.reads('x'), 1);
  assert.equal(other.reads('z'), 0);
  assert.equal(r.get('x')?.state, 'asleep');
  r.stop();
});

test('a state that cannot be read is logged once a minute, not once per event', async () => {
  const local = new FakeProvider('local');
  local.add('app');
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'info', format: 'json' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } as unknown as NodeJS.WritableStream);
  const r = registry('services:\n  app: { docker: { container: app } }\n', { local }, log);
  local.status = async () => Promise.reject(new Error('engine gone'));
  for (let i = 0; i < 5; i++) r.onWorkloadEvent(event('local', 'app'));
  await waitFor(() => lines.some((l) => l['msg'] === 'reading workload state failed'), { timeoutMs: 2_000 });
  await new Promise((resolve) => setImmediate(resolve));
  const failed = lines.filter((l) => l['msg'] === 'reading workload state failed');
  assert.equal(failed.length, 1);
  assert.deepEqual([failed[0]?.['service'], failed[0]?.['provider'], failed[0]?.['suppressed']], ['app', 'local', 0]);
  r.onProviderOnline('local', false, new Error('socket gone'));
  r.onProviderOnline('local', true);
  assert.deepEqual(lines.filter((l) => /^provider/.test(String(l['msg']))).map((l) => [l['msg'], l['err']]), [
    ['provider unreachable; retrying in the background', 'socket gone'],
    ['provider online', undefined],
  ]);
  r.stop();
});

test('a service on a provider that is not configured is refused when the registry is built', () => {
  const result = parseConfig('providers:\n  docker:\n    local: { socket: /tmp/l.sock }\nservices:\n  app: { docker: { container: app } }\n', 't.yaml', {});
  assert.ok(result.ok);
  assert.throws(() => new ServiceRegistry({ services: result.config.services, provider: () => undefined, log: silentLogger(), probeTimeoutMs: 500 }), /service "app": provider "local" is not configured/);
});

test('wakingOn says whether a service of that provider is waking, and of no other provider', async () => {
  const local = new FakeProvider('local');
  const other = new FakeProvider('other');
  local.add('app', { startDelayMs: 300 });
  other.add('db');
  const r = registry(`services:\n  a: { docker: { container: app, provider: local } }\n  b: { docker: { container: db, provider: other } }\n`, { local, other });
  assert.equal(r.wakingOn('local'), false);
  r.mustGet('a').wake();
  assert.equal(r.wakingOn('local'), true);
  assert.equal(r.wakingOn('other'), false);
  await r.mustGet('a').whenReady(AbortSignal.timeout(5000));
  assert.equal(r.wakingOn('local'), false, 'ready is no longer waking');
  r.stop();
});

test('a resync of many services reads a few states at a time, each once', { timeout: 30_000 }, async () => {
  const local = new FakeProvider('local');
  const names = Array.from({ length: 100 }, (_, i) => `s${i}`);
  for (const n of names) local.add(n);
  const r = registry(`services:\n${names.map((n) => `  ${n}: { docker: { container: ${n} } }`).join('\n')}\n`, { local });
  const read = local.status.bind(local);
  let inFlight = 0;
  let most = 0;
  local.status = async (ref) => {
    inFlight++;
    most = Math.max(most, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2));
      return await read(ref);
    } finally {
      inFlight--;
    }
  };
  // Stopped workloads: a running one's service would read its state again on its own (readiness).
  for (const n of names) local.set(n, 'stopped');
  r.onResync('local');
  // Events for services still waiting their turn add nothing: one read settles each.
  for (const n of names.slice(90)) r.onWorkloadEvent(event('local', n));
  await waitFor(() => names.every((n) => local.reads(n) === 1) && inFlight === 0, { timeoutMs: 20_000, message: 'every state read' });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(most <= REFRESH_CONCURRENCY, `${most} reads at once`);
  assert.ok(most > 1, 'reads overlap: a slow engine call does not hold up the rest');
  assert.deepEqual(names.filter((n) => local.reads(n) !== 1), [], 'each workload read once');
  r.stop();
});
