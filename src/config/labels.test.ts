/** Docker labels → service entries: the types each label is read as, names, targets and the problems labels can have. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENABLE_LABEL, isEnabled, LABEL_PREFIX, servicesFromLabels, type LabelledWorkload, type LabelService, type Reach } from './labels.ts';

const loopback = (port: number): Reach => ({ host: '127.0.0.1', port });

function workload(id: string, labels: Record<string, string>, reach: (port: number) => Reach = loopback, provider = 'local'): LabelledWorkload {
  return { provider, id, labels: { 'drowse.enable': 'true', ...labels }, reach };
}

/** The one service a labelled container defines. */
function one(labels: Record<string, string>, id = 'web', reach?: (port: number) => Reach): LabelService {
  const found = servicesFromLabels([workload(id, labels, reach)]);
  assert.equal(found.length, 1);
  return found[0]!;
}

/** The entry a set of labels makes, without the workload part every entry has. */
function entryOf(labels: Record<string, string>): Record<string, unknown> {
  const s = one(labels);
  assert.deepEqual(s.problems, []);
  const { docker, ...rest } = s.entry;
  assert.deepEqual(docker, { container: 'web', provider: 'local' });
  return rest;
}

test('the label names are the documented ones', () => {
  assert.equal(LABEL_PREFIX, 'drowse.');
  assert.equal(ENABLE_LABEL, 'drowse.enable');
});

const reads: Array<[string, Record<string, string>, Record<string, unknown>]> = [
  ['a duration stays a string', { 'drowse.idle_timeout': '5m' }, { idle_timeout: '5m' }],
  ['a value is trimmed', { 'drowse.idle_timeout': '  5m  ' }, { idle_timeout: '5m' }],
  ['a whole number becomes a number', { 'drowse.health.retries': '12' }, { health: { retries: 12 } }],
  ['a negative whole number becomes a number', { 'drowse.health.max_restarts': '-1' }, { health: { max_restarts: -1 } }],
  ['a number with a fraction stays a string for the schema to refuse', { 'drowse.health.retries': '2.5' }, { health: { retries: '2.5' } }],
  ['a number with words stays a string', { 'drowse.health.retries': '5 times' }, { health: { retries: '5 times' } }],
  ['false becomes a flag', { 'drowse.loading_page': 'false' }, { loading_page: false }],
  ['true becomes a flag', { 'drowse.loading_page': 'true' }, { loading_page: true }],
  ['flags ignore case', { 'drowse.loading_page': 'FALSE', 'drowse.health.auto_restart': 'True' }, { loading_page: false, health: { auto_restart: true } }],
  ['a flag that is not true or false stays a string', { 'drowse.loading_page': 'yes' }, { loading_page: 'yes' }],
  ['a flag with more after it stays a string', { 'drowse.loading_page': 'falsey' }, { loading_page: 'falsey' }],
  ['a flag with more before it stays a string', { 'drowse.loading_page': 'not false' }, { loading_page: 'not false' }],
  ['hosts at commas become a list', { 'drowse.http.host': 'a.lan, b.lan,', 'drowse.http.target': 'http://127.0.0.1:1' }, { http: { host: ['a.lan', 'b.lan'], target: 'http://127.0.0.1:1' } }],
  ['one host stays a string', { 'drowse.http.host': 'a.lan', 'drowse.http.target': 'http://127.0.0.1:1' }, { http: { host: 'a.lan', target: 'http://127.0.0.1:1' } }],
  ['dependencies at commas become a list', { 'drowse.depends_on': 'db,cache' }, { depends_on: ['db', 'cache'] }],
  ['one dependency stays a string', { 'drowse.depends_on': 'db' }, { depends_on: 'db' }],
  ['an empty dependency label is no dependencies', { 'drowse.depends_on': '' }, { depends_on: [] }],
  ['an empty host stays a string, for the schema to name', { 'drowse.http.host': '', 'drowse.http.target': 'http://127.0.0.1:1' }, { http: { host: '', target: 'http://127.0.0.1:1' } }],
  ['a key that takes no list is not split at commas', { 'drowse.idle_timeout': '5m,6m', 'drowse.stop_method': 'stop,kill' }, { idle_timeout: '5m,6m', stop_method: 'stop,kill' }],
  ['an exec command is split at spaces', { 'drowse.health.exec': 'pg_isready  -q -U app' }, { health: { exec: ['pg_isready', '-q', '-U', 'app'] } }],
  ['an exec command may be a JSON array', { 'drowse.health.exec': '["sh", "-c", "test -f /ready"]' }, { health: { exec: ['sh', '-c', 'test -f /ready'] } }],
  ['an exec command that is broken JSON stays a string', { 'drowse.health.exec': '[sh, -c' }, { health: { exec: '[sh, -c' } }],
  ['a probe without settings is switched on with true', { 'drowse.health.tcp': 'true' }, { health: { tcp: {} } }],
  ['a probe switch ignores case', { 'drowse.health.docker': 'TRUE' }, { health: { docker: {} } }],
  ['a probe switch that is not true stays a string', { 'drowse.health.tcp': 'false' }, { health: { tcp: 'false' } }],
  ['a probe switch with more after true stays a string', { 'drowse.health.tcp': 'truest' }, { health: { tcp: 'truest' } }],
  ['a probe switch with more before true stays a string', { 'drowse.health.tcp': 'untrue' }, { health: { tcp: 'untrue' } }],
  ['an empty exec command is an empty list, for the schema to ask for one', { 'drowse.health.exec': ' ' }, { health: { exec: [] } }],
  ['a probe with settings is not switched on by true', { 'drowse.health.http': 'true' }, { health: { http: 'true' } }],
  ['a wake_filter deny list is split at commas', { 'drowse.wake_filter.deny': 'Bot-A, Bot-B' }, { wake_filter: { deny: ['Bot-A', 'Bot-B'] } }],
  ['one deny pattern is a list of one', { 'drowse.wake_filter.deny': 'Bot-A' }, { wake_filter: { deny: ['Bot-A'] } }],
  ['a key the schema does not know stays a string', { 'drowse.idle_timeot': '5m' }, { idle_timeot: '5m' }],
  ['an enum stays a string', { 'drowse.stop_method': 'pause' }, { stop_method: 'pause' }],
  ['nested keys share their section', { 'drowse.health.http.path': '/healthz', 'drowse.health.http.expect': '200-299' }, { health: { http: { path: '/healthz', expect: '200-299' } } }],
  ['labels of other tools are not service keys', { 'com.docker.compose.project': 'stack', 'traefik.enable': 'true', 'drowsex.idle_timeout': '1m' }, {}],
];
for (const [what, labels, want] of reads) {
  test(`label value: ${what}`, () => assert.deepEqual(entryOf(labels), want));
}

test('an enabled container is a service named after the container, on its provider, its container its workload', () => {
  const s = one({}, 'web');
  assert.equal(s.name, 'web');
  assert.equal(s.container, 'web');
  assert.equal(s.provider, 'local');
  assert.deepEqual(s.entry, { docker: { container: 'web', provider: 'local' } });
  assert.deepEqual(s.problems, []);
  assert.equal(s.compose, undefined);
});

test('the provider of the workload is the entry provider', () => {
  const [s] = servicesFromLabels([workload('web', {}, loopback, 'nas')]);
  assert.equal(s?.provider, 'nas');
  assert.deepEqual(s?.entry.docker, { container: 'web', provider: 'nas' });
});

const names: Array<[string, string, string]> = [
  ['a valid name is kept', 'web-1_a', 'web-1_a'],
  ['capitals are lowered', 'WebApp', 'webapp'],
  ['dots become dashes', 'My.App', 'my-app'],
  ['leading dashes and underscores are dropped', '_-app', 'app'],
  ['a name of nothing valid falls back', '__', 'container'],
  ['digits first are fine', '1app', '1app'],
];
for (const [what, container, want] of names) {
  test(`service name from the container name: ${what}`, () => {
    const s = one({}, container);
    assert.equal(s.name, want);
    assert.equal(s.container, container, 'the container keeps its own name');
    assert.deepEqual(s.entry.docker, { container, provider: 'local' });
    assert.deepEqual(s.problems, []);
  });
}

test('drowse.name names the service; the container stays the workload', () => {
  const s = one({ 'drowse.name': ' app ' }, 'stack-app-1');
  assert.equal(s.name, 'app');
  assert.equal(s.container, 'stack-app-1');
  assert.deepEqual(s.entry, { docker: { container: 'stack-app-1', provider: 'local' } });
  assert.deepEqual(s.problems, []);
});

test('a drowse.name drowse does not allow is a problem, not quietly changed', () => {
  const s = one({ 'drowse.name': 'My App' });
  assert.equal(s.name, 'My App');
  assert.deepEqual(s.problems, ['container "web": label drowse.name: service names use a-z, 0-9, "_" and "-", and start with a letter or digit']);
});

test('an empty drowse.name falls back to the container name', () => {
  const s = one({ 'drowse.name': '  ' }, 'My.App');
  assert.equal(s.name, 'my-app');
  assert.deepEqual(s.problems, []);
});

const enables: Array<[string | undefined, boolean]> = [
  ['true', true],
  ['True', true],
  [' TRUE ', true],
  ['false', false],
  ['1', false],
  ['yes', false],
  ['', false],
  [undefined, false],
];
for (const [value, want] of enables) {
  test(`drowse.enable=${JSON.stringify(value)} ${want ? 'makes' : 'does not make'} a service`, () => {
    const labels: Record<string, string> = value === undefined ? { 'drowse.http.port': '80' } : { 'drowse.enable': value };
    assert.equal(isEnabled(labels), want);
    const found = servicesFromLabels([{ provider: 'local', id: 'web', labels, reach: loopback }]);
    assert.deepEqual(found.map((s) => s.name), want ? ['web'] : []);
  });
}

test('services come in the order of the workloads, disabled ones left out', () => {
  const found = servicesFromLabels([workload('b', {}), { provider: 'local', id: 'off', labels: { 'drowse.enable': 'false' }, reach: loopback }, workload('a', {})]);
  assert.deepEqual(found.map((s) => s.name), ['b', 'a']);
});

test('drowse.http.port derives the http target through the workload, asking for that port', () => {
  const asked: number[] = [];
  const s = one({ 'drowse.http.host': 'app.lan', 'drowse.http.port': ' 8080 ' }, 'web', (port) => (asked.push(port), { host: 'web', port: 80 }));
  assert.deepEqual(asked, [8080]);
  assert.deepEqual(s.problems, []);
  assert.deepEqual(s.entry.http, { host: 'app.lan', target: 'http://web:80' });
});

test('drowse.tcp.port derives the tcp target, keeping the other tcp keys', () => {
  const s = one({ 'drowse.tcp.listen': '127.0.0.1:5432', 'drowse.tcp.port': '5432', 'drowse.tcp.max_held': '9' });
  assert.deepEqual(s.problems, []);
  assert.deepEqual(s.entry.tcp, { listen: '127.0.0.1:5432', max_held: 9, target: '127.0.0.1:5432' });
});

test('a port label alone makes a route section with only the target', () => {
  const s = one({ 'drowse.http.port': '80', 'drowse.tcp.port': '5432' });
  assert.deepEqual(s.problems, []);
  assert.deepEqual(s.entry.http, { target: 'http://127.0.0.1:80' });
  assert.deepEqual(s.entry.tcp, { target: '127.0.0.1:5432' });
});

test('an IPv6 host is bracketed in derived targets', () => {
  const s = one({ 'drowse.http.port': '80', 'drowse.tcp.port': '5432' }, 'web', (port) => ({ host: '::1', port: port + 10000 }));
  assert.deepEqual(s.problems, []);
  assert.deepEqual(s.entry.http, { target: 'http://[::1]:10080' });
  assert.deepEqual(s.entry.tcp, { target: '[::1]:15432' });
});

const badPorts = ['0', '65536', '99999', '123456', 'http', '80a', '-1', '8.5', ''];
for (const raw of badPorts) {
  test(`drowse.http.port=${JSON.stringify(raw)} is not a port`, () => {
    let asked = false;
    const s = one({ 'drowse.http.host': 'app.lan', 'drowse.http.port': raw }, 'web', (port) => ((asked = true), loopback(port)));
    assert.deepEqual(s.problems, ['container "web": label drowse.http.port: expected a port from 1 to 65535']);
    assert.equal(asked, false, 'no target is derived from a bad port');
    assert.deepEqual(s.entry.http, { host: 'app.lan' });
  });
}

for (const raw of ['1', '65535']) {
  test(`drowse.tcp.port=${raw} is a port (the ends of the range)`, () => {
    const s = one({ 'drowse.tcp.port': raw });
    assert.deepEqual(s.problems, []);
    assert.deepEqual(s.entry.tcp, { target: `127.0.0.1:${raw}` });
  });
}

test('a port label and a target label both are a contradiction', () => {
  const s = one({ 'drowse.http.port': '80', 'drowse.http.target': 'http://127.0.0.1:1', 'drowse.tcp.port': '5432', 'drowse.tcp.target': '127.0.0.1:2' });
  assert.deepEqual(s.problems, [
    'container "web": label drowse.http.port: give either drowse.http.port or drowse.http.target, not both',
    'container "web": label drowse.tcp.port: give either drowse.tcp.port or drowse.tcp.target, not both',
  ]);
  assert.deepEqual(s.entry.http, { target: 'http://127.0.0.1:1' }, 'the written target is left as it is');
});

test('a host without a port or target asks for the port', () => {
  const s = one({ 'drowse.http.host': 'app.lan' });
  assert.deepEqual(s.problems, ["container \"web\": label drowse.http.port: give the container's port the http route leads to, like drowse.http.port=8080 (or drowse.http.target)"]);
});

test('a tcp listen without a port or target asks for the port', () => {
  const s = one({ 'drowse.tcp.listen': '127.0.0.1:5432' });
  assert.deepEqual(s.problems, ["container \"web\": label drowse.tcp.port: give the container's port the tcp route leads to, like drowse.tcp.port=5432 (or drowse.tcp.target)"]);
});

test('a host with a target label, or a route without host or listen, needs no port', () => {
  assert.deepEqual(one({ 'drowse.http.host': 'app.lan', 'drowse.http.target': 'http://127.0.0.1:1', 'drowse.tcp.listen': '127.0.0.1:5432', 'drowse.tcp.target': '127.0.0.1:2' }).problems, []);
  // Without host or listen the schema says what is missing, at the right key.
  assert.deepEqual(one({ 'drowse.http.target': 'http://127.0.0.1:1', 'drowse.tcp.max_held': '3' }).problems, []);
  assert.deepEqual(one({ 'drowse.http.hosts': 'a.lan', 'drowse.tcp.listn': '127.0.0.1:1' }).problems, [], 'a misspelt key is the schema\'s to name');
});

test('a problem reaching the port is passed on under the port label', () => {
  const s = one({ 'drowse.http.host': 'app.lan', 'drowse.http.port': '80' }, 'web', () => ({ problem: 'the container has no network (network_mode: none)' }));
  assert.deepEqual(s.problems, ['container "web": label drowse.http.port: the container has no network (network_mode: none)']);
  assert.deepEqual(s.entry.http, { host: 'app.lan' });
});

test('drowse.docker.* is refused: the workload is the container itself', () => {
  const s = one({ 'drowse.docker.container': 'other', 'drowse.docker': 'x' });
  assert.deepEqual(s.problems, [
    'container "web": label drowse.docker.container: the workload is this container itself; drowse.docker.* cannot be set',
    'container "web": label drowse.docker: the workload is this container itself; drowse.docker.* cannot be set',
  ]);
  assert.deepEqual(s.entry.docker, { container: 'web', provider: 'local' });
});

test('drowse.proxmox.* is refused too: a labelled container is no Proxmox guest', () => {
  const s = one({ 'drowse.proxmox.vmid': '101' });
  assert.deepEqual(s.problems, ['container "web": label drowse.proxmox.vmid: the workload is this container itself; drowse.proxmox.* cannot be set']);
  assert.equal(s.entry.proxmox, undefined);
});

test('a value and keys below it clash, whichever comes first', () => {
  const valueFirst = one({ 'drowse.http': 'x', 'drowse.http.host': 'y' });
  assert.deepEqual(valueFirst.problems, ['container "web": label drowse.http.host: conflicts with label drowse.http: give either a value or keys below it']);
  assert.equal(valueFirst.entry.http, 'x');
  const keysFirst = one({ 'drowse.idle_timeout': '5m', 'drowse.http.host': 'y', 'drowse.http': 'x' });
  assert.deepEqual(keysFirst.problems, [
    'container "web": label drowse.http: conflicts with label drowse.http.host: give either a value or keys below it',
    "container \"web\": label drowse.http.port: give the container's port the http route leads to, like drowse.http.port=8080 (or drowse.http.target)",
  ]);
  assert.deepEqual(keysFirst.entry.http, { host: 'y' });
});

test('a value where the route keys go clashes with the port label too, and is not replaced', () => {
  const s = one({ 'drowse.idle_timeout': '5m', 'drowse.http': 'x', 'drowse.http.port': '80', 'drowse.tcp': '[]', 'drowse.tcp.port': '5432' });
  assert.deepEqual(s.problems, [
    'container "web": label drowse.http.port: conflicts with label drowse.http: give either a value or keys below it',
    'container "web": label drowse.tcp.port: conflicts with label drowse.tcp: give either a value or keys below it',
  ]);
  assert.equal(s.entry.http, 'x');
  assert.equal(s.entry.tcp, '[]');
});

test('a probe switched on with true clashes with settings below it, whichever comes first', () => {
  const s = one({ 'drowse.health.tcp': 'true', 'drowse.health.tcp.x': '1' });
  assert.deepEqual(s.problems, ['container "web": label drowse.health.tcp.x: conflicts with label drowse.health.tcp: give either a value or keys below it']);
  const deep = one({ 'drowse.health.http.path': '/x', 'drowse.health.http.expect': '200', 'drowse.health.http': 'true' });
  assert.deepEqual(deep.problems, ['container "web": label drowse.health.http: conflicts with label drowse.health.http.path: give either a value or keys below it']);
});

test('a list value clashes with keys below it', () => {
  const s = one({ 'drowse.depends_on': 'a,b', 'drowse.depends_on.x': '1' });
  assert.deepEqual(s.problems, ['container "web": label drowse.depends_on.x: conflicts with label drowse.depends_on: give either a value or keys below it']);
});

const emptySegments = ['drowse..x', 'drowse.', 'drowse.http.', 'drowse..'];
for (const label of emptySegments) {
  test(`label ${label} with an empty key is a problem and sets nothing`, () => {
    const s = one({ [label]: '1' });
    assert.deepEqual(s.problems, [`container "web": label ${label}: expected drowse.<key> or drowse.<key>.<key>, like drowse.idle_timeout`]);
    assert.deepEqual(s.entry, { docker: { container: 'web', provider: 'local' } });
  });
}

test('Compose project and service are kept when both are set', () => {
  const s = one({ 'com.docker.compose.project': 'stack', 'com.docker.compose.service': 'app' });
  assert.deepEqual(s.compose, { project: 'stack', service: 'app' });
  assert.equal(one({ 'com.docker.compose.project': 'stack' }).compose, undefined);
  assert.equal(one({ 'com.docker.compose.service': 'app' }).compose, undefined);
});

/** A container Compose made: project, service, and its depends_on label. */
function composed(id: string, project: string, service: string, dependsOn?: string, more: Record<string, string> = {}): LabelledWorkload {
  return workload(id, {
    'com.docker.compose.project': project,
    'com.docker.compose.service': service,
    ...(dependsOn === undefined ? {} : { 'com.docker.compose.depends_on': dependsOn }),
    ...more,
  });
}

test("Compose's depends_on is translated to the drowse names of the same project", () => {
  const found = servicesFromLabels([
    composed('stack-app-1', 'stack', 'app', 'db:service_healthy:false,cache:service_started:false,proxy:service_started:false'),
    composed('stack-db-1', 'stack', 'db', undefined, { 'drowse.name': 'database' }),
    composed('stack-cache-1', 'stack', 'cache'),
    // Same Compose service name in another project: not a dependency of stack's app.
    composed('other-proxy-1', 'other', 'proxy'),
  ]);
  assert.deepEqual(found.map((s) => [s.name, s.entry.depends_on]), [
    ['stack-app-1', ['database', 'stack-cache-1']],
    ['database', undefined],
    ['stack-cache-1', undefined],
    ['other-proxy-1', undefined],
  ]);
});

test('Compose dependencies drowse does not manage are left out, and none left means no depends_on', () => {
  const found = servicesFromLabels([
    composed('app', 'stack', 'app', 'db:service_started:false'),
    // db exists but is not labelled drowse.enable: Compose starts it; drowse never stops it.
    { provider: 'local', id: 'db', labels: { 'com.docker.compose.project': 'stack', 'com.docker.compose.service': 'db' }, reach: loopback },
  ]);
  assert.deepEqual(found.map((s) => s.name), ['app']);
  assert.equal(Object.hasOwn(found[0]!.entry, 'depends_on'), false);
});

test('drowse.depends_on wins over Compose depends_on', () => {
  const found = servicesFromLabels([composed('app', 'stack', 'app', 'db:service_started:false', { 'drowse.depends_on': 'cache' }), composed('db', 'stack', 'db'), composed('cache', 'stack', 'cache')]);
  assert.equal(found[0]?.entry.depends_on, 'cache');
});

test('an empty drowse.depends_on opts out of Compose depends_on', () => {
  const found = servicesFromLabels([composed('app', 'stack', 'app', 'db:service_started:false', { 'drowse.depends_on': '' }), composed('db', 'stack', 'db')]);
  assert.deepEqual(found[0]?.entry.depends_on, []);
  assert.deepEqual(found[0]?.problems, []);
});

test('a container outside Compose has no Compose dependencies even with the label', () => {
  const found = servicesFromLabels([workload('app', { 'com.docker.compose.depends_on': 'db' }), composed('db', 'stack', 'db')]);
  assert.equal(found[0]?.entry.depends_on, undefined);
});

test('Compose depends_on is read from the workload of the same provider', () => {
  const found = servicesFromLabels([
    { ...composed('app', 'stack', 'app'), provider: 'a' },
    { ...composed('app', 'stack', 'app', 'db'), provider: 'b' },
    { ...composed('db', 'stack', 'db'), provider: 'b' },
  ]);
  assert.deepEqual(found.map((s) => [s.provider, s.entry.depends_on]), [
    ['a', undefined],
    ['b', ['db']],
    ['b', undefined],
  ]);
});

test('Compose depends_on names a service of the same project on the same engine, not a namesake on another', () => {
  const found = servicesFromLabels([
    { ...composed('app', 'stack', 'app', 'db'), provider: 'a' },
    { ...composed('db-on-b', 'stack', 'db'), provider: 'b' },
  ]);
  assert.equal(found[0]?.entry.depends_on, undefined);
});

test('labelOf names the label a key path came from', () => {
  const s = one({ 'drowse.http.host': 'a.lan,b.lan', 'drowse.http.port': '80', 'drowse.health.http.path': '/x', 'drowse.idle_timeout': '5m' });
  assert.equal(s.labelOf(['idle_timeout']), 'drowse.idle_timeout');
  assert.equal(s.labelOf(['http', 'host', 1]), 'drowse.http.host', 'an index into a list is the list label');
  assert.equal(s.labelOf(['http', 'target']), 'drowse.http.port', 'a derived target comes from the port label');
  assert.equal(s.labelOf(['health', 'http', 'path']), 'drowse.health.http.path');
  assert.equal(s.labelOf(['health', 'http', 'path', 'deeper']), 'drowse.health.http.path', 'below a label is that label');
  assert.equal(s.labelOf(['health', 'http']), 'drowse.health.http', 'a section no label set is named as a label would be');
  assert.equal(s.labelOf(['tcp', 'target']), 'drowse.tcp.target', 'no port label: the target label');
  assert.equal(one({ 'drowse.http.port': '80' }).labelOf(['http', 'host']), 'drowse.http.host', 'the port label derives only the target');
  assert.equal(s.labelOf(['docker', 'container']), undefined, 'the workload is no label');
  assert.equal(s.labelOf([]), undefined);
  assert.equal(s.labelOf([0]), undefined);
});

test("labelOf names Compose's depends_on when it is where the dependencies came from", () => {
  const compose = { 'com.docker.compose.project': 'stack', 'com.docker.compose.service': 'app', 'com.docker.compose.depends_on': 'db:service_started:false' };
  assert.equal(one(compose).labelOf(['depends_on', 0]), 'com.docker.compose.depends_on');
  assert.equal(one({ ...compose, 'drowse.depends_on': 'db' }).labelOf(['depends_on']), 'drowse.depends_on');
  assert.equal(one({}).labelOf(['depends_on']), 'drowse.depends_on');
  assert.equal(one(compose).labelOf(['idle_timeout']), 'drowse.idle_timeout', 'only depends_on came from Compose');
});

test('labelOf prefers a target label set as written over the port label', () => {
  const s = one({ 'drowse.http.port': '80', 'drowse.http.target': 'http://127.0.0.1:1' });
  assert.equal(s.labelOf(['http', 'target']), 'drowse.http.target');
});
