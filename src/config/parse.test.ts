import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_WAKE_DENY, embeddedDefault, formatProblem, parseConfig, type DrowseConfig, type ServiceConfig } from './index.ts';

function parsed(yaml: string, env: NodeJS.ProcessEnv = {}): { config: DrowseConfig; warnings: readonly string[] } {
  const result = parseConfig(yaml, 'drowse.yaml', env);
  assert.ok(result.ok, `expected a valid config, got ${JSON.stringify(!result.ok && result.problems)}`);
  return result;
}

/** What every docker provider gets unless it says otherwise. */
const ENGINE_DEFAULTS = { events: 'stream', pollIntervalMs: 5000, statsIntervalMs: 30_000, diskUsageIntervalMs: 15 * 60_000 } as const;

const service = (config: DrowseConfig, name: string): ServiceConfig => {
  const found = config.services.find((s) => s.name === name);
  assert.ok(found, `no service ${name}`);
  return found;
};

// An empty file is refused (broken-configs.test.ts); an explicit empty map asks for every default.
test('an empty map is a valid config with every default and no services', () => {
  for (const text of ['{}\n', '# every default\n{}\n', '---\n{}\n']) {
    const { config, warnings } = parsed(text);
    assert.deepEqual(config, {
      source: 'drowse.yaml',
      entrypoints: { http: { host: '', port: 8080 } },
      control: {},
      log: { level: 'info', format: 'json' },
      providers: { docker: [{ name: 'local', socket: '/var/run/docker.sock', labels: false, ...ENGINE_DEFAULTS }], proxmox: [] },
      services: [],
      limits: { headerTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000, heldPerService: 1000, ssePerService: 64, sseTotal: 512, sseLifetimeMs: 600_000 },
      shutdownTimeoutMs: 10_000,
    });
    assert.deepEqual(warnings, []);
  }
});

test('a service inherits built-in defaults for every key it does not set', () => {
  const { config } = parsed('services:\n  app:\n    docker: { container: app }\n');
  assert.deepEqual(service(config, 'app'), {
    name: 'app',
    workload: { provider: 'local', id: 'app' },
    idleTimeoutMs: 15 * 60_000,
    wakeTimeoutMs: 2 * 60_000,
    stopMethod: 'stop',
    stopSignal: 'SIGTERM',
    // Docker's own default for docker stop: an app that ignores SIGTERM costs 10 s, not 30.
    stopTimeoutMs: 10_000,
    dependsOn: [],
    releaseConcurrency: 8,
    loadingPage: true,
    wakeFilter: { deny: BUILTIN_WAKE_DENY.map((d) => d.toLowerCase()), allow: [] },
  });
});

test('start_endpoint takes one path or a list, and a service with none may be woken by any path', () => {
  const { config } = parsed(`
services:
  one: { docker: { container: a }, start_endpoint: / }
  many: { docker: { container: b }, start_endpoint: [/wake, "/app/*", /wake] }
  any: { docker: { container: c } }
`);
  assert.deepEqual(service(config, 'one').startEndpoints, ['/']);
  assert.deepEqual(service(config, 'many').startEndpoints, ['/wake', '/app/*']);
  assert.equal(service(config, 'any').startEndpoints, undefined);
});

test('a tcp route resolves its addresses, with max_held 256 and open_keeps_awake false by default', () => {
  const { config } = parsed(`
services:
  db: { docker: { container: pg }, tcp: { listen: "127.0.0.1:5432", target: "127.0.0.1:15432" } }
  cache: { docker: { container: redis }, tcp: { listen: ":6379", target: "[::1]:16379", max_held: 10, open_keeps_awake: true } }
`);
  assert.deepEqual(service(config, 'db').tcp, { listen: { host: '127.0.0.1', port: 5432 }, target: { host: '127.0.0.1', port: 15432 }, maxHeld: 256, openKeepsAwake: false });
  assert.deepEqual(service(config, 'cache').tcp, { listen: { host: '', port: 6379 }, target: { host: '::1', port: 16379 }, maxHeld: 10, openKeepsAwake: true });
});

test('depends_on takes one name or a list; a service with no entrypoint exists to be depended on', () => {
  const { config } = parsed(`
services:
  app: { docker: { container: app }, depends_on: [db, cache, db], http: { host: app.lan, target: "http://127.0.0.1:1" } }
  db: { docker: { container: pg }, depends_on: cache }
  cache: { docker: { container: redis } }
`);
  assert.deepEqual(service(config, 'app').dependsOn, ['db', 'cache']);
  assert.deepEqual(service(config, 'db').dependsOn, ['cache']);
  assert.deepEqual(service(config, 'cache').dependsOn, []);
});

test('health resolves its probe and defaults; no health means no probe and no liveness', () => {
  const { config } = parsed(`
services:
  a: { docker: { container: a }, http: { host: a.lan, target: "http://127.0.0.1:1" }, health: { http: { path: /healthz, expect: "200-299,304" } } }
  b: { docker: { container: b }, health: { exec: [pg_isready, -q], interval: 10s, auto_restart: true } }
  c: { docker: { container: c }, health: { docker: {} } }
  d: { docker: { container: d } }
`);
  assert.deepEqual(service(config, 'a').health, {
    probe: { kind: 'http', path: '/healthz', expect: [[200, 299], [304, 304]] },
    timeoutMs: 5000, intervalMs: 30_000, retries: 3, autoRestart: false, maxRestarts: 3, restartDelayMs: 10_000,
  });
  assert.deepEqual(service(config, 'b').health?.probe, { kind: 'exec', command: ['pg_isready', '-q'] });
  assert.deepEqual([service(config, 'b').health?.intervalMs, service(config, 'b').health?.autoRestart], [10_000, true]);
  assert.deepEqual(service(config, 'c').health?.probe, { kind: 'docker' });
  assert.equal(service(config, 'd').health, undefined);
});

test('a service wake_filter overrides the defaults key by key; patterns are case-insensitive', () => {
  const { config } = parsed(`
defaults:
  loading_page: false
  wake_filter: { builtin_deny: false, deny: [HomeAssistant], allow: [] }
services:
  inherits: { docker: { container: a } }
  own:
    docker: { container: b }
    loading_page: true
    wake_filter: { builtin_deny: true, allow: [Uptime-Kuma] }
`);
  const a = service(config, 'inherits');
  assert.equal(a.loadingPage, false);
  assert.deepEqual(a.wakeFilter, { deny: ['homeassistant'], allow: [] });
  const b = service(config, 'own');
  assert.equal(b.loadingPage, true);
  assert.ok(b.wakeFilter.deny.includes('googlebot') && b.wakeFilter.deny.includes('homeassistant'));
  assert.deepEqual(b.wakeFilter.allow, ['uptime-kuma']);
});

test('the defaults section overrides built-in defaults, and a service overrides the defaults section', () => {
  const { config } = parsed(`
defaults:
  idle_timeout: 1h
  wake_timeout: 45s
  stop_method: kill
  stop_signal: SIGKILL
  stop_timeout: 5s
services:
  inherits:
    docker: { container: a }
  overrides:
    docker: { container: b }
    idle_timeout: 1h30m
    wake_timeout: 500ms
    stop_method: pause
    stop_signal: SIGINT
    stop_timeout: 1m
`);
  const pick = (s: ServiceConfig) => [s.idleTimeoutMs, s.wakeTimeoutMs, s.stopMethod, s.stopSignal, s.stopTimeoutMs];
  assert.deepEqual(pick(service(config, 'inherits')), [3_600_000, 45_000, 'kill', 'SIGKILL', 5_000]);
  assert.deepEqual(pick(service(config, 'overrides')), [5_400_000, 500, 'pause', 'SIGINT', 60_000]);
});

test('an empty key counts as not set, so the default applies', () => {
  const { config } = parsed('defaults:\n  idle_timeout:\nservices:\n  app:\n    docker: { container: app }\n    idle_timeout:\nlog:\n');
  assert.equal(service(config, 'app').idleTimeoutMs, 15 * 60_000);
  assert.equal(config.log.level, 'info');
});

test('services keep file order and their hosts are lower-cased and de-duplicated', () => {
  const { config } = parsed(`
services:
  zeta:
    docker: { container: z }
    http: { host: Zeta.LAN, target: "http://127.0.0.1:1" }
  alpha:
    docker: { container: a }
    http: { host: [alpha.lan, "*.Alpha.lan", ALPHA.lan], target: "http://[::1]:2" }
`);
  assert.deepEqual(config.services.map((s) => s.name), ['zeta', 'alpha']);
  assert.deepEqual(service(config, 'zeta').http, { hosts: ['zeta.lan'], target: 'http://127.0.0.1:1' });
  assert.deepEqual(service(config, 'alpha').http?.hosts, ['alpha.lan', '*.alpha.lan']);
});

test('a service without a provider gets the first docker provider', () => {
  const { config } = parsed(`
providers:
  docker:
    nas: { url: "tcp://nas.lan:2376", tls: { ca: /c, cert: /e, key: /k } }
    local: { socket: /run/docker.sock }
services:
  a: { docker: { container: a } }
  b: { docker: { container: b, provider: local } }
`);
  assert.deepEqual(config.providers.docker, [
    { name: 'nas', url: 'tcp://nas.lan:2376', tls: { ca: '/c', cert: '/e', key: '/k' }, labels: false, ...ENGINE_DEFAULTS },
    { name: 'local', socket: '/run/docker.sock', labels: false, ...ENGINE_DEFAULTS },
  ]);
  assert.equal(service(config, 'a').workload.provider, 'nas');
  assert.equal(service(config, 'b').workload.provider, 'local');
});

test('a docker provider with neither socket nor url uses the local socket', () => {
  const { config } = parsed('providers:\n  docker:\n    here:\n');
  assert.deepEqual(config.providers.docker, [{ name: 'here', socket: '/var/run/docker.sock', labels: false, ...ENGINE_DEFAULTS }]);
});

const addresses: Array<[string, { host: string; port: number }]> = [
  [':8080', { host: '', port: 8080 }],
  ['127.0.0.1:80', { host: '127.0.0.1', port: 80 }],
  ['[::1]:8443', { host: '::1', port: 8443 }],
  ['localhost:3000', { host: 'localhost', port: 3000 }],
  ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
];

for (const [text, expected] of addresses) {
  test(`entrypoint "${text}" listens on ${JSON.stringify(expected)}`, () => {
    assert.deepEqual(parsed(`entrypoints: { http: "${text}" }`).config.entrypoints.http, expected);
  });
}

test('a TCP control API with a token resolves both', () => {
  const { config, warnings } = parsed('control:\n  listen: 127.0.0.1:9090\n  token: ${T}\n', { T: 'abc' });
  assert.deepEqual(config.control, { listen: '127.0.0.1:9090', token: 'abc' });
  assert.deepEqual(warnings, []);
});

test('a socket-only control config keeps the socket and nothing else', () => {
  assert.deepEqual(parsed('control: { socket: /tmp/c.sock }').config.control, { socket: '/tmp/c.sock' });
});

test('a setting that does nothing is warned about with its position, and label discovery is no such setting', () => {
  const { warnings, config } = parsed('providers:\n  docker:\n    local: { labels: true }\ncontrol:\n  token: x\n');
  assert.deepEqual(warnings, ['drowse.yaml:5:10: control.token: token is only used with control.listen; ignored']);
  assert.equal(config.providers.docker[0]?.labels, true);
});

test('x- keys and YAML merge keys share settings between services, as in compose', () => {
  const { config } = parsed(`
x-sleepy: &sleepy { idle_timeout: 1m, stop_method: pause }
services:
  a:
    <<: *sleepy
    docker: { container: a }
  b:
    <<: *sleepy
    docker: { container: b }
    stop_method: kill
`);
  assert.deepEqual(config.services.map((s) => [s.name, s.idleTimeoutMs, s.stopMethod]), [['a', 60_000, 'pause'], ['b', 60_000, 'kill']]);
});

test('the embedded default serves :8080 from the local Docker socket with label discovery', () => {
  assert.deepEqual(embeddedDefault(), {
    source: '(embedded default)',
    entrypoints: { http: { host: '', port: 8080 } },
    control: {},
    log: { level: 'info', format: 'json' },
    providers: { docker: [{ name: 'local', socket: '/var/run/docker.sock', labels: true, ...ENGINE_DEFAULTS }], proxmox: [] },
    services: [],
    limits: { headerTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000, heldPerService: 1000, ssePerService: 64, sseTotal: 512, sseLifetimeMs: 600_000 },
    shutdownTimeoutMs: 10_000,
  });
});

test('shutdown_timeout is a duration at the top level, 10s unless set, at most 1h', () => {
  assert.equal(parsed('shutdown_timeout: 2500ms\n').config.shutdownTimeoutMs, 2_500);
  const bad = parseConfig('shutdown_timeout: 2h\n', 'drowse.yaml', {});
  assert.ok(!bad.ok);
  assert.match(bad.problems.map(formatProblem).join('\n'), /shutdown_timeout.*at most 1h/);
});
