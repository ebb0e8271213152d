/** The words the schema uses for each kind of wrong value, at the value's position (CONTRACT §1). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';

const SVC = 'services:\n  a:\n    docker: { container: a }\n';

function problems(yaml: string): string[] {
  const result = parseConfig(yaml, 'drowse.yaml', {});
  assert.equal(result.ok, false, `expected a refusal of:\n${yaml}`);
  return result.ok ? [] : result.problems.map(formatProblem);
}
const ok = (yaml: string) => {
  const result = parseConfig(yaml, 'drowse.yaml', {});
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems.map(formatProblem)));
  return result.config;
};

const cases: Array<[string, string, string[]]> = [
  // Names
  ['a service name with a capital', 'services:\n  App: { docker: { container: a } }\n', ['drowse.yaml:2:3: services.App: service names use a-z, 0-9, "_" and "-", and start with a letter or digit']],
  ['a service name starting with "-"', 'services:\n  -a: { docker: { container: a } }\n', ['drowse.yaml:2:3: services.-a: service names use a-z, 0-9, "_" and "-", and start with a letter or digit']],
  ['a service name ending in a symbol', 'services:\n  a!: { docker: { container: a } }\n', ['drowse.yaml:2:3: services.a!: service names use a-z, 0-9, "_" and "-", and start with a letter or digit']],
  ['a provider name with a capital', 'providers:\n  docker:\n    Local: {}\n', ['drowse.yaml:3:5: providers.docker.Local: provider names use a-z, 0-9, "_" and "-", and start with a letter or digit']],
  ['a depends_on that is a number', `${SVC}    depends_on: 5\n`, ['drowse.yaml:4:17: services.a.depends_on: expected a service name or a list of service names']],
  // Hosts and routes
  ['a host that is a number', `${SVC}    http: { host: 5, target: "http://127.0.0.1:1" }\n`, ['drowse.yaml:4:19: services.a.http.host: expected a host name or a list of host names']],
  ['an empty host list', `${SVC}    http: { host: [], target: "http://127.0.0.1:1" }\n`, ['drowse.yaml:4:19: services.a.http.host: list at least one host name']],
  ['a host label of 64 characters', `${SVC}    http: { host: ${'a'.repeat(64)}.lan, target: "http://127.0.0.1:1" }\n`, ['drowse.yaml:4:19: services.a.http.host: expected a host name like app.lan or *.app.lan']],
  ['a host with an empty label', `${SVC}    http: { host: a..lan, target: "http://127.0.0.1:1" }\n`, ['drowse.yaml:4:19: services.a.http.host: expected a host name like app.lan or *.app.lan']],
  ['a host label ending in "-"', `${SVC}    http: { host: a-.lan, target: "http://127.0.0.1:1" }\n`, ['drowse.yaml:4:19: services.a.http.host: expected a host name like app.lan or *.app.lan']],
  ['a host longer than 253', `${SVC}    http: { host: ${Array(51).fill('abcd').join('.')}, target: "http://127.0.0.1:1" }\n`, ['drowse.yaml:4:19: services.a.http.host: expected a host name like app.lan or *.app.lan']],
  ['a target that is a number', `${SVC}    http: { host: a.lan, target: 80 }\n`, ['drowse.yaml:4:34: services.a.http.target: expected an http:// URL with host and port, like http://127.0.0.1:18080']],
  ['a target without a port', `${SVC}    http: { host: a.lan, target: "http://127.0.0.1" }\n`, ['drowse.yaml:4:34: services.a.http.target: expected an http:// URL with host and port, like http://127.0.0.1:18080']],
  ['a target on port 65536', `${SVC}    http: { host: a.lan, target: "http://127.0.0.1:65536" }\n`, ['drowse.yaml:4:34: services.a.http.target: expected an http:// URL with host and port, like http://127.0.0.1:18080']],
  ['a target over https', `${SVC}    http: { host: a.lan, target: "https://127.0.0.1:1" }\n`, ['drowse.yaml:4:34: services.a.http.target: expected an http:// URL with host and port, like http://127.0.0.1:18080']],
  ['a target with text before the scheme', `${SVC}    http: { host: a.lan, target: "xhttp://127.0.0.1:1" }\n`, ['drowse.yaml:4:34: services.a.http.target: expected an http:// URL with host and port, like http://127.0.0.1:18080']],
  ['a target with a query', `${SVC}    http: { host: a.lan, target: "http://127.0.0.1:1/?a" }\n`, ['drowse.yaml:4:34: services.a.http.target: expected an http:// URL with host and port, like http://127.0.0.1:18080']],
  ['an engine url over unix', 'providers:\n  docker:\n    p: { url: "unix://h:1" }\n', ['drowse.yaml:3:15: providers.docker.p.url: expected an engine URL with host and port, like tcp://nas.lan:2376']],
  ['an engine url on port 0', 'providers:\n  docker:\n    p: { url: "tcp://h:0" }\n', ['drowse.yaml:3:15: providers.docker.p.url: expected an engine URL with host and port, like tcp://nas.lan:2376']],
  ['an engine url with a path', 'providers:\n  docker:\n    p: { url: "tcp://h:1/v1" }\n', ['drowse.yaml:3:15: providers.docker.p.url: expected an engine URL with host and port, like tcp://nas.lan:2376']],
  ['an entrypoint that is a number', 'entrypoints: { http: 8080 }\n', ['drowse.yaml:1:22: entrypoints.http: expected host:port like ":8080", "127.0.0.1:8080" or "[::1]:8080"']],
  ['a tcp target that is a number', `${SVC}    tcp: { listen: "127.0.0.1:5432", target: 15432 }\n`, ['drowse.yaml:4:46: services.a.tcp.target: expected host:port with a host, like "127.0.0.1:15432"']],
  ['a tcp target with no host', `${SVC}    tcp: { listen: "127.0.0.1:5432", target: ":15432" }\n`, ['drowse.yaml:4:46: services.a.tcp.target: expected host:port with a host, like "127.0.0.1:15432"']],
  ['a tcp target on port 0', `${SVC}    tcp: { listen: "127.0.0.1:5432", target: "127.0.0.1:0" }\n`, ['drowse.yaml:4:46: services.a.tcp.target: expected host:port with a host, like "127.0.0.1:15432"']],
  ['max_held over 100000', `${SVC}    tcp: { listen: "127.0.0.1:5432", target: "127.0.0.1:1", max_held: 100001 }\n`, ['drowse.yaml:4:71: services.a.tcp.max_held: must be at most 100000']],
  ['max_held that is not whole', `${SVC}    tcp: { listen: "127.0.0.1:5432", target: "127.0.0.1:1", max_held: 2.5 }\n`, ['drowse.yaml:4:71: services.a.tcp.max_held: expected a whole number']],
  ['max_held that is a string', `${SVC}    tcp: { listen: "127.0.0.1:5432", target: "127.0.0.1:1", max_held: lots }\n`, ['drowse.yaml:4:71: services.a.tcp.max_held: expected a whole number']],
  // Paths
  ['a start_endpoint that is a number', `${SVC}    start_endpoint: 5\n`, ['drowse.yaml:4:21: services.a.start_endpoint: expected a path or a list of paths']],
  ['an empty start_endpoint list', `${SVC}    start_endpoint: []\n`, ['drowse.yaml:4:21: services.a.start_endpoint: list at least one path']],
  ['a start_endpoint not starting with "/"', `${SVC}    start_endpoint: x/\n`, ['drowse.yaml:4:21: services.a.start_endpoint: expected a path starting with "/", optionally ending in "*" to match everything below it']],
  ['a start_endpoint with "*" inside', `${SVC}    start_endpoint: ["/a*b"]\n`, ['drowse.yaml:4:22: services.a.start_endpoint.0: expected a path starting with "/", optionally ending in "*" to match everything below it']],
  ['a start_endpoint with a space', `${SVC}    start_endpoint: "/a b"\n`, ['drowse.yaml:4:21: services.a.start_endpoint: expected a path starting with "/", optionally ending in "*" to match everything below it']],
  ['a health path not starting with "/"', `${SVC}    http: { host: a.lan, target: "http://127.0.0.1:1" }\n    health: { http: { path: health/ } }\n`, ['drowse.yaml:5:29: services.a.health.http.path: expected a path starting with "/"']],
  // Health
  ['an expect that is no list of statuses', `${SVC}    http: { host: a.lan, target: "http://127.0.0.1:1" }\n    health: { http: { expect: "200-" } }\n`, ['drowse.yaml:5:31: services.a.health.http.expect: expected status codes and ranges like "200-399" or "200,204,300-399"']],
  ['an expect with text before it', `${SVC}    http: { host: a.lan, target: "http://127.0.0.1:1" }\n    health: { http: { expect: "x200" } }\n`, ['drowse.yaml:5:31: services.a.health.http.expect: expected status codes and ranges like "200-399" or "200,204,300-399"']],
  ['an expect with text after it', `${SVC}    http: { host: a.lan, target: "http://127.0.0.1:1" }\n    health: { http: { expect: "200x" } }\n`, ['drowse.yaml:5:31: services.a.health.http.expect: expected status codes and ranges like "200-399" or "200,204,300-399"']],
  ['an expect that is a number', `${SVC}    http: { host: a.lan, target: "http://127.0.0.1:1" }\n    health: { http: { expect: 200 } }\n`, ['drowse.yaml:5:31: services.a.health.http.expect: expected status codes and ranges like "200-399" or "200,204,300-399"']],
  ['status 099', `${SVC}    http: { host: a.lan, target: "http://127.0.0.1:1" }\n    health: { http: { expect: "099-200" } }\n`, ['drowse.yaml:5:31: services.a.health.http.expect: status 099 is not an HTTP status (100-599)']],
  ['status 600 at the high end', `${SVC}    http: { host: a.lan, target: "http://127.0.0.1:1" }\n    health: { http: { expect: "200,500-600" } }\n`, ['drowse.yaml:5:31: services.a.health.http.expect: status 600 is not an HTTP status (100-599)']],
  ['an exec that is a string', `${SVC}    health: { exec: pg_isready }\n`, ['drowse.yaml:4:21: services.a.health.exec: expected a command as a list, like [pg_isready, -q]']],
  ['an exec with an empty argument', `${SVC}    health: { exec: [pg_isready, ""] }\n`, ['drowse.yaml:4:34: services.a.health.exec.1: an empty argument']],
  ['retries 0', `${SVC}    health: { exec: [x], retries: 0 }\n`, ['drowse.yaml:4:35: services.a.health.retries: must be at least 1']],
  ['max_restarts below 0', `${SVC}    health: { exec: [x], max_restarts: -1 }\n`, ['drowse.yaml:4:40: services.a.health.max_restarts: must be at least 0']],
  // Flags and enums
  ['a loading_page of yes-as-a-string', `${SVC}    loading_page: "yes"\n`, ['drowse.yaml:4:19: services.a.loading_page: expected true or false']],
  ['labels that is a string', 'providers:\n  docker:\n    p: { labels: "true" }\n', ['drowse.yaml:3:18: providers.docker.p.labels: expected true or false']],
  ['auto_restart that is a number', `${SVC}    health: { exec: [x], auto_restart: 1 }\n`, ['drowse.yaml:4:40: services.a.health.auto_restart: expected true or false']],
  ['builtin_deny that is a string', 'defaults:\n  wake_filter: { builtin_deny: "no" }\n', ['drowse.yaml:2:32: defaults.wake_filter.builtin_deny: expected true or false']],
  ['a deny pattern of spaces', 'defaults:\n  wake_filter: { deny: ["  "] }\n', ['drowse.yaml:2:25: defaults.wake_filter.deny.0: an empty pattern would match every client']],
  ['an allow pattern that is empty', `${SVC}    wake_filter: { allow: [""] }\n`, ['drowse.yaml:4:28: services.a.wake_filter.allow.0: an empty pattern would match every client']],
  ['an unknown events mode', 'providers:\n  docker:\n    p: { events: push }\n', ['drowse.yaml:3:18: providers.docker.p.events: expected one of stream, poll']],
  ['an unknown log format', 'log: { format: yaml }\n', ['drowse.yaml:1:16: log.format: expected one of json, pretty']],
  ['an unknown stop_method', 'defaults: { stop_method: halt }\n', ['drowse.yaml:1:26: defaults.stop_method: expected one of stop, pause, kill']],
];

// crossCheck also reports these names as unknown, at the same place (a second line for one mistake).
const alsoUnknown: Array<[string, string, string[]]> = [
  ['a depends_on entry that is no name', `${SVC}    depends_on: [B]\n`, ['drowse.yaml:4:18: services.a.depends_on.0: service names use a-z, 0-9, "_" and "-", and start with a letter or digit']],
  ['a workload provider name with a dot', 'services:\n  a: { docker: { container: a, provider: x.y } }\n', ['drowse.yaml:2:42: services.a.docker.provider: provider names use a-z, 0-9, "_" and "-", and start with a letter or digit']],
];

for (const [name, yaml, expected] of cases) {
  test(`schema value: ${name}`, () => {
    assert.deepEqual(problems(yaml), expected);
  });
}

for (const [name, yaml, expected] of alsoUnknown) {
  test(`schema value: ${name}`, () => {
    assert.deepEqual(problems(yaml).slice(0, 1), expected);
  });
}

test('values just inside each range are accepted', () => {
  const config = ok(`providers:
  docker:
    p: { url: "TCP://nas.lan:65535/", events: poll }
    q: { url: "https://[::1]:1" }
    r: { url: "http://h:2376" }
log: { format: pretty }
services:
  a:
    docker: { container: a }
    http: { host: ["${'a'.repeat(63)}.lan", "*.b.lan"], target: "http://127.0.0.1:65535" }
    health: { http: { path: /, expect: " 100 - 199 , 599 " }, max_restarts: 0, retries: 1 }
    start_endpoint: ["/", "/app/*"]
  b:
    docker: { container: b }
    tcp: { listen: "127.0.0.1:1", target: "h:65535", max_held: 100000 }
    wake_filter: { deny: ["  bot  "] }
`);
  assert.deepEqual(config.providers.docker.map((p) => [p.url, p.events]), [['TCP://nas.lan:65535/', 'poll'], ['https://[::1]:1', 'stream'], ['http://h:2376', 'stream']]);
  assert.equal(config.log.format, 'pretty');
  const [a, b] = config.services;
  assert.deepEqual(a?.health?.probe, { kind: 'http', path: '/', expect: [[100, 199], [599, 599]] });
  assert.deepEqual([a?.health?.maxRestarts, a?.health?.retries], [0, 1]);
  assert.deepEqual(b?.tcp?.maxHeld, 100000);
  assert.ok(b?.wakeFilter.deny.includes('bot'), 'a pattern is trimmed');
});

test('an http probe with no keys checks "/" for any status below 500', () => {
  const config = ok(`${SVC}    http: { host: a.lan, target: "http://127.0.0.1:1" }\n    health: { http: {} }\n`);
  assert.deepEqual(config.services[0]?.health?.probe, { kind: 'http', path: '/', expect: [[100, 499]] });
});

test('a tcp probe resolves to its kind', () => {
  const config = ok(`${SVC}    tcp: { listen: "127.0.0.1:5432", target: "127.0.0.1:1" }\n    health: { tcp: {} }\n`);
  assert.deepEqual(config.services[0]?.health?.probe, { kind: 'tcp' });
});

test('health with only timings has no probe of its own', () => {
  const config = ok(`${SVC}    health: { interval: 1m }\n`);
  assert.equal(config.services[0]?.health?.probe, undefined);
  assert.equal(config.services[0]?.health?.intervalMs, 60_000);
});
