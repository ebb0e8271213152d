/** The file's config merged with services from labels: checked together, the file wins, a bad label service is unavailable alone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig, servicesFromLabels, withDiscovered, type DrowseConfig, type LabelledWorkload } from './index.ts';

const FILE = `entrypoints: { http: "127.0.0.1:8080" }
defaults: { idle_timeout: 7m }
services:
  files:
    docker: { container: files-c }
    http: { host: files.lan, target: "http://127.0.0.1:18001" }
  shared:
    docker: { container: shared-c }
    http: { host: shared.lan, target: "http://127.0.0.1:18002" }
`;

function fileConfig(yaml = FILE): DrowseConfig {
  const result = parseConfig(yaml, 'drowse.yaml', {});
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems.map(formatProblem)));
  return result.config;
}

function container(id: string, labels: Record<string, string>): LabelledWorkload {
  return { provider: 'local', id, labels: { 'drowse.enable': 'true', ...labels }, reach: (port) => ({ host: '127.0.0.1', port }) };
}

/** An HTTP service on its own host, plus whatever else. */
function web(id: string, more: Record<string, string> = {}): LabelledWorkload {
  return container(id, { 'drowse.http.host': `${id}.lan`, 'drowse.http.port': '80', ...more });
}

function merge(containers: readonly LabelledWorkload[], config = fileConfig()) {
  return withDiscovered(config, servicesFromLabels(containers));
}

test('with nothing found the file config is unchanged', () => {
  const config = fileConfig();
  const merged = withDiscovered(config, []);
  assert.deepEqual(merged.config, config);
  assert.deepEqual(merged.unavailable, []);
  assert.deepEqual(merged.shadowed, []);
});

test("a good label service comes after the file's services, marked discovered, with the file's defaults", () => {
  const merged = merge([container('app', { 'drowse.http.host': 'app.lan,www.app.lan', 'drowse.http.port': '18080', 'com.docker.compose.project': 'stack', 'com.docker.compose.service': 'app' })]);
  assert.deepEqual(merged.unavailable, []);
  assert.deepEqual(merged.config.services.map((s) => s.name), ['files', 'shared', 'app']);
  const app = merged.config.services[2]!;
  assert.deepEqual(app.discovered, { container: 'app', compose: { project: 'stack', service: 'app' } });
  assert.deepEqual(app.workload, { provider: 'local', id: 'app' });
  assert.equal(app.idleTimeoutMs, 7 * 60_000, 'defaults.idle_timeout of the file');
  assert.deepEqual(app.http?.hosts, ['app.lan', 'www.app.lan']);
  assert.equal(app.http?.target, 'http://127.0.0.1:18080');
  assert.equal(merged.config.services[0]?.discovered, undefined, 'file services are not marked');
});

test('a label service outside Compose has no compose part', () => {
  const app = merge([web('app')]).config.services.find((s) => s.name === 'app');
  assert.deepEqual(app?.discovered, { container: 'app' });
});

test('label values override the defaults like file keys do', () => {
  const app = merge([web('app', { 'drowse.idle_timeout': '30s', 'drowse.loading_page': 'false', 'drowse.health.retries': '5', 'drowse.health.tcp': 'true' })]).config.services.find((s) => s.name === 'app');
  assert.equal(app?.idleTimeoutMs, 30_000);
  assert.equal(app?.loadingPage, false);
  assert.equal(app?.health?.retries, 5);
  assert.deepEqual(app?.health?.probe, { kind: 'tcp' });
});

test('a bad duration label makes that service unavailable with the label named; the rest serve', () => {
  const merged = merge([web('web', { 'drowse.idle_timeout': 'soon' }), web('other')]);
  assert.deepEqual(merged.unavailable, [{ name: 'web', provider: 'local', container: 'web', problems: ['container "web": label drowse.idle_timeout: expected a duration like 30s or 15m'] }]);
  assert.deepEqual(merged.config.services.map((s) => s.name), ['files', 'shared', 'other']);
});

test('an unknown label key is named with a suggestion', () => {
  const merged = merge([web('web', { 'drowse.idle_timeot': '5m' })]);
  assert.deepEqual(merged.unavailable.map((u) => u.problems), [['container "web": label drowse.idle_timeot: unknown key "idle_timeot" (did you mean "idle_timeout"?)']]);
});

test("a value outside an enum gets the file's own wording", () => {
  const merged = merge([web('web', { 'drowse.stop_method': 'sleep' })]);
  assert.deepEqual(merged.unavailable.map((u) => u.problems), [['container "web": label drowse.stop_method: expected one of stop, pause, kill']]);
});

test('a bad value in a list names the list label', () => {
  const merged = merge([web('web', { 'drowse.http.host': 'good.lan,bad_host!' })]);
  assert.deepEqual(merged.unavailable.map((u) => u.problems), [['container "web": label drowse.http.host: expected a host name like app.lan or *.app.lan']]);
});

test('problems found while reading labels make the service unavailable without validation', () => {
  const merged = merge([web('web', { 'drowse.docker.container': 'x' })]);
  assert.deepEqual(merged.unavailable, [{ name: 'web', provider: 'local', container: 'web', problems: ['container "web": label drowse.docker.container: the workload is this container itself; drowse.docker.* cannot be set'] }]);
});

test('the file wins: a label service with a file service name is shadowed, the file definition kept', () => {
  const merged = merge([web('shared', { 'drowse.idle_timeout': 'soon' }), web('app')]);
  assert.deepEqual(merged.shadowed, ['shared']);
  assert.deepEqual(merged.unavailable, [], 'the labels of a shadowed service are not even checked');
  const shared = merged.config.services.find((s) => s.name === 'shared');
  assert.deepEqual(shared?.workload, { provider: 'local', id: 'shared-c' });
  assert.equal(shared?.discovered, undefined);
  assert.deepEqual(merged.config.services.map((s) => s.name), ['files', 'shared', 'app']);
});

test('drowse.name can shadow too', () => {
  const merged = merge([web('stack-files-1', { 'drowse.name': 'files' })]);
  assert.deepEqual(merged.shadowed, ['files']);
  assert.deepEqual(merged.config.services.map((s) => s.name), ['files', 'shared']);
});

test('a host a file service claims makes the label service unavailable, naming the file service', () => {
  const merged = merge([web('thief', { 'drowse.http.host': 'files.lan' })]);
  assert.deepEqual(merged.unavailable.map((u) => u.problems), [['container "thief": label drowse.http.host: host "files.lan" is already claimed by service "files"']]);
  assert.deepEqual(merged.config.services.map((s) => s.name), ['files', 'shared']);
});

test("a file service's container cannot be a label service too", () => {
  const merged = merge([web('files-c')]);
  assert.deepEqual(merged.unavailable.map((u) => [u.name, u.container]), [['files-c', 'files-c']]);
  assert.deepEqual(merged.unavailable[0]?.problems, ['container "files-c" is already the workload of service "files"; give one service both routes']);
  assert.deepEqual(merged.config.services.map((s) => s.name), ['files', 'shared']);
});

test('two containers with the same drowse.name: the first serves, the second is unavailable', () => {
  const merged = merge([web('a', { 'drowse.name': 'app' }), web('b', { 'drowse.name': 'app' })]);
  assert.deepEqual(merged.unavailable, [{ name: 'app', provider: 'local', container: 'b', problems: ['container "b": service name "app" is already taken by another container; set drowse.name'] }]);
  assert.deepEqual(merged.config.services.map((s) => [s.name, s.discovered?.container]), [
    ['files', undefined],
    ['shared', undefined],
    ['app', 'a'],
  ]);
});

test('a label service depending on an unavailable one is unavailable too, saying which; an independent one stays', () => {
  const merged = merge([web('db', { 'drowse.idle_timeout': 'soon' }), web('app', { 'drowse.depends_on': 'db' }), web('worker', { 'drowse.depends_on': 'app' }), web('alone')]);
  assert.deepEqual(
    merged.unavailable.map((u) => [u.name, u.problems]),
    [
      ['db', ['container "db": label drowse.idle_timeout: expected a duration like 30s or 15m']],
      ['app', ['container "app": label drowse.depends_on: service "db" is unavailable']],
      ['worker', ['container "worker": label drowse.depends_on: service "app" is unavailable']],
    ],
  );
  assert.deepEqual(merged.config.services.map((s) => s.name), ['files', 'shared', 'alone']);
});

test('a dependency on a name a second container also claims depends on the first, which serves', () => {
  const merged = merge([web('a', { 'drowse.name': 'db' }), web('b', { 'drowse.name': 'db' }), web('app', { 'drowse.depends_on': 'db' })]);
  assert.deepEqual(merged.unavailable.map((u) => [u.name, u.container]), [['db', 'b']]);
  assert.deepEqual(merged.config.services.find((s) => s.name === 'app')?.dependsOn, ['db']);
});

test('a dependency taken out by validation takes its dependents out too', () => {
  const merged = merge([web('db', { 'drowse.http.host': 'files.lan' }), web('app', { 'drowse.depends_on': 'cache,db' }), web('cache')]);
  assert.deepEqual(
    merged.unavailable.map((u) => [u.name, u.problems]),
    [
      ['db', ['container "db": label drowse.http.host: host "files.lan" is already claimed by service "files"']],
      ['app', ['container "app": label drowse.depends_on: service "db" is unavailable']],
    ],
  );
  assert.deepEqual(merged.config.services.map((s) => s.name), ['files', 'shared', 'cache']);
});

test("a cascade through Compose's depends_on names the Compose label", () => {
  const compose = (id: string, service: string, more: Record<string, string>) => web(id, { 'com.docker.compose.project': 'stack', 'com.docker.compose.service': service, ...more });
  const merged = merge([compose('stack-db-1', 'db', { 'drowse.idle_timeout': 'soon' }), compose('stack-app-1', 'app', { 'com.docker.compose.depends_on': 'db:service_healthy:false' })]);
  assert.deepEqual(merged.unavailable.map((u) => u.problems[0]), [
    'container "stack-db-1": label drowse.idle_timeout: expected a duration like 30s or 15m',
    'container "stack-app-1": label com.docker.compose.depends_on: service "stack-db-1" is unavailable',
  ]);
});

test('a dependency on a name nobody has is an unknown service', () => {
  const merged = merge([web('app', { 'drowse.depends_on': 'nope' })]);
  assert.deepEqual(merged.unavailable.map((u) => u.problems), [['container "app": label drowse.depends_on: unknown service "nope" (known: files, shared)']]);
});

test('a label service may depend on a file service and on another label service', () => {
  const merged = merge([web('app', { 'drowse.depends_on': 'files,cache' }), web('cache')]);
  assert.deepEqual(merged.unavailable, []);
  assert.deepEqual(merged.config.services.find((s) => s.name === 'app')?.dependsOn, ['files', 'cache']);
});

test('a label service depending on a shadowed name depends on the file service', () => {
  const merged = merge([web('shared', { 'drowse.idle_timeout': 'soon' }), web('app', { 'drowse.depends_on': 'shared' })]);
  assert.deepEqual(merged.unavailable, []);
  assert.deepEqual(merged.config.services.find((s) => s.name === 'app')?.dependsOn, ['shared']);
});

test('a tcp listen on the HTTP entrypoint is refused, naming the label', () => {
  const merged = merge([container('pg', { 'drowse.tcp.listen': '127.0.0.1:8080', 'drowse.tcp.port': '5432' })]);
  assert.deepEqual(merged.unavailable.map((u) => u.problems), [['container "pg": label drowse.tcp.listen: 127.0.0.1:8080 is also the HTTP entrypoint']]);
});

test('a tcp label service on its own port serves', () => {
  const merged = merge([container('pg', { 'drowse.tcp.listen': '127.0.0.1:15432', 'drowse.tcp.port': '5432' })]);
  assert.deepEqual(merged.unavailable, []);
  const pg = merged.config.services.find((s) => s.name === 'pg');
  assert.deepEqual(pg?.tcp?.target, { host: '127.0.0.1', port: 5432 });
});

test('two label services claiming the same host: the second is unavailable', () => {
  const merged = merge([web('a', { 'drowse.http.host': 'same.lan' }), web('b', { 'drowse.http.host': 'same.lan' })]);
  assert.deepEqual(merged.unavailable.map((u) => u.name), ['b']);
  assert.deepEqual(merged.config.services.map((s) => s.name), ['files', 'shared', 'a']);
});

test('the merged config keeps the file settings around the services', () => {
  const config = fileConfig();
  const merged = merge([web('app')], config);
  assert.deepEqual({ ...merged.config, services: [] }, { ...config, services: [] });
  assert.notEqual(merged.config, config);
});

test('withDiscovered refuses a config that parseConfig did not make', () => {
  const copy = { ...fileConfig() };
  assert.throws(() => withDiscovered(copy, []), { message: 'config: withDiscovered needs a config from parseConfig' });
});
