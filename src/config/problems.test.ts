import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';

const env = { PORT: '18080' };

// Each case is a whole file and every line `drowse check` must print for it, in order.
const cases: Array<[string, string, string[]]> = [
  [
    'an unknown key is reported at the key, with the closest known key',
    `services:
  app:
    docker: { container: app }
    idle_timout: 5m
`,
    ['drowse.yaml:4:5: services.app.idle_timout: unknown key "idle_timout" (did you mean "idle_timeout"?)'],
  ],
  [
    'an unknown key with nothing close gets no suggestion',
    'colour: blue\n',
    ['drowse.yaml:1:1: colour: unknown key "colour"'],
  ],
  [
    'a service with two workloads is told to pick one',
    `providers:
  proxmox:
    pve: { url: "https://127.0.0.1:8006", token_id: "drowse@pve!proxy", token_secret: s3cret-value }
services:
  app:
    docker: { container: app }
    proxmox: { node: pve1, vmid: 101 }
`,
    ['drowse.yaml:7:5: services.app.proxmox: give either docker or proxmox, not both'],
  ],
  [
    'a bad duration is reported at its value',
    `services:
  app:
    docker: { container: app }
    idle_timeout: soon
`,
    ['drowse.yaml:4:19: services.app.idle_timeout: expected a duration like 30s or 15m'],
  ],
  [
    'a bare number is not a duration',
    'defaults:\n  wake_timeout: 30\n',
    ['drowse.yaml:2:17: defaults.wake_timeout: expected a duration like 30s or 15m'],
  ],
  [
    'a zero duration is rejected',
    'defaults:\n  stop_timeout: 0s\n',
    ['drowse.yaml:2:17: defaults.stop_timeout: must be longer than 0'],
  ],
  [
    'a bad stop_method lists the choices',
    'defaults:\n  stop_method: halt\n',
    ['drowse.yaml:2:16: defaults.stop_method: expected one of stop, pause, kill'],
  ],
  [
    'a stop_signal must be a signal name',
    'defaults:\n  stop_signal: TERM\n',
    ['drowse.yaml:2:16: defaults.stop_signal: expected a signal name like SIGTERM'],
  ],
  [
    'a missing target is reported where http is introduced',
    `services:
  app:
    docker: { container: app }
    http:
      host: app.lan
`,
    ['drowse.yaml:4:5: services.app.http: needs target, the URL requests are forwarded to'],
  ],
  [
    'a target must be an http URL with host and port',
    `services:
  app:
    docker: { container: app }
    http: { host: app.lan, target: "https://app:443/x" }
`,
    ['drowse.yaml:4:36: services.app.http.target: expected an http:// URL with host and port, like http://127.0.0.1:18080'],
  ],
  [
    'a bad host inside a list is reported at its index',
    `services:
  app:
    docker: { container: app }
    http: { host: [app.lan, "app.lan:80"], target: "http://127.0.0.1:1" }
`,
    ['drowse.yaml:4:29: services.app.http.host.1: expected a host name like app.lan or *.app.lan'],
  ],
  [
    'two services claiming one host is reported at the second claim, naming the first',
    `services:
  one:
    docker: { container: one }
    http: { host: [a.lan, "*.Shared.lan"], target: "http://127.0.0.1:1" }
  two:
    docker: { container: two }
    http: { host: "*.shared.LAN", target: "http://127.0.0.1:2" }
`,
    ['drowse.yaml:7:19: services.two.http.host: host "*.shared.lan" is already claimed by service "one"'],
  ],
  [
    'a service without a workload is reported at its name',
    `services:
  app:
    http: { host: app.lan, target: "http://127.0.0.1:1" }
`,
    ['drowse.yaml:2:3: services.app: a service needs a workload: docker { container } or proxmox { node, vmid }'],
  ],
  [
    'an empty service entry still needs its workload',
    'services:\n  app:\n',
    ['drowse.yaml:2:3: services.app: a service needs a workload: docker { container } or proxmox { node, vmid }'],
  ],
  [
    'a provider that does not exist is reported at the key naming it',
    `providers:
  docker:
    local: { socket: /var/run/docker.sock }
services:
  app:
    docker: { container: app, provider: nas }
`,
    ['drowse.yaml:6:41: services.app.docker.provider: unknown docker provider "nas" (known: local)'],
  ],
  [
    'a TCP control API without a token is refused',
    'control:\n  listen: 127.0.0.1:9090\n',
    ['drowse.yaml:2:11: control.listen: a TCP control API requires token (set control.token)'],
  ],
  [
    'a control API on both a socket and TCP is refused',
    'control:\n  socket: /run/x.sock\n  listen: 127.0.0.1:9090\n  token: t\n',
    ['drowse.yaml:3:11: control.listen: give either socket or listen, not both'],
  ],
  [
    'a provider with both socket and url is refused',
    'providers:\n  docker:\n    x: { socket: /s, url: "tcp://h:2376" }\n',
    ['drowse.yaml:3:27: providers.docker.x.url: give either socket or url, not both'],
  ],
  [
    'a bad name is reported at the name',
    'services:\n  My_App:\n    docker: { container: x }\n',
    ['drowse.yaml:2:3: services.My_App: service names use a-z, 0-9, "_" and "-", and start with a letter or digit'],
  ],
  [
    'an entrypoint port out of range is refused',
    'entrypoints: { http: ":65536" }\n',
    ['drowse.yaml:1:22: entrypoints.http: expected host:port like ":8080", "127.0.0.1:8080" or "[::1]:8080"'],
  ],
  [
    'a wrong type says what was expected and what was found',
    'services: [a, b]\n',
    ['drowse.yaml:1:11: services: expected a map, got a list'],
  ],
  [
    'a top level that is not a map is refused',
    '- a\n- b\n',
    ['drowse.yaml:1:1: expected a map of settings (key: value) at the top level'],
  ],
  [
    'a YAML syntax error has its position',
    'log:\n  level: info\n  format: json: pretty\n',
    ['drowse.yaml:3:11: Nested mappings are not allowed in compact mappings'],
  ],
  [
    'a tab used as indentation is a YAML error',
    'log:\n\tlevel: info\n',
    ['drowse.yaml:2:1: Tabs are not allowed as indentation'],
  ],
  [
    'a duplicate key is a YAML error',
    'log: { level: info }\nlog: { level: warn }\n',
    ['drowse.yaml:2:1: log: duplicate key "log" (first at line 1)'],
  ],
  [
    'a merge key that names no map is reported',
    'services:\n  app:\n    <<: 5\n',
    ['drowse.yaml:1:1: Merge sources must be maps or map aliases'],
  ],
  [
    'an unset environment variable is reported at its scalar, once',
    `services:
  app:
    docker: { container: app }
    idle_timeout: \${IDLE}
`,
    ['drowse.yaml:4:19: services.app.idle_timeout: environment variable IDLE is not set'],
  ],
  [
    'an unquoted reference inside { } gets a hint to quote it',
    'control: { token: ${TOKEN} }\nlog: { level: info }\n',
    ['drowse.yaml:1:20: Unexpected flow-map-start at node end (put values that use ${...} inside { } or [ ] in quotes)'],
  ],
  [
    'a malformed reference is reported',
    'control: { socket: "/run/${X:?oops}" }\n',
    ['drowse.yaml:1:20: control.socket: malformed reference ${X:?oops}: expected ${VAR} or ${VAR:-default}'],
  ],
  [
    'a start_endpoint must be a path, with "*" only at its end',
    'services:\n  a:\n    docker: { container: a }\n    start_endpoint: [wake, "/a*b", /ok, "/app/*"]\n',
    [
      'drowse.yaml:4:22: services.a.start_endpoint.0: expected a path starting with "/", optionally ending in "*" to match everything below it',
      'drowse.yaml:4:28: services.a.start_endpoint.1: expected a path starting with "/", optionally ending in "*" to match everything below it',
    ],
  ],
  [
    'a target that is drowse\'s own entrypoint would loop',
    'entrypoints: { http: ":8080" }\nservices:\n  a:\n    docker: { container: a }\n    http: { host: a.lan, target: "http://localhost:8080" }\n',
    ['drowse.yaml:5:34: services.a.http.target: target http://localhost:8080 is drowse\'s own HTTP entrypoint; point it at the app'],
  ],
  [
    'tcp listen addresses may not collide with each other or with the HTTP entrypoint',
    `entrypoints: { http: "127.0.0.1:8080" }
services:
  a: { docker: { container: a }, tcp: { listen: ":8080", target: "127.0.0.1:1" } }
  b: { docker: { container: b }, tcp: { listen: "127.0.0.1:5432", target: "127.0.0.1:2" } }
  c: { docker: { container: c }, tcp: { listen: "0.0.0.0:5432", target: "127.0.0.1:3" } }
`,
    [
      'drowse.yaml:3:49: services.a.tcp.listen: :8080 is also the HTTP entrypoint',
      'drowse.yaml:5:49: services.c.tcp.listen: 0.0.0.0:5432 is already the tcp listen address of service "b"',
    ],
  ],
  [
    'a tcp target needs a host and a port, and max_held a whole number',
    'services:\n  a: { docker: { container: a }, tcp: { listen: "127.0.0.1:5432", target: ":5432", max_held: 1.5 } }\n',
    [
      'drowse.yaml:2:75: services.a.tcp.target: expected host:port with a host, like "127.0.0.1:15432"',
      'drowse.yaml:2:94: services.a.tcp.max_held: expected a whole number',
    ],
  ],
  [
    'a three-service dependency cycle is reported once, naming the cycle',
    `services:
  a: { docker: { container: a }, depends_on: b }
  b: { docker: { container: b }, depends_on: [c] }
  c: { docker: { container: c }, depends_on: [a] }
`,
    ['drowse.yaml:2:46: services.a.depends_on: dependency cycle: a → b → c → a'],
  ],
  [
    'unknown and self dependencies are reported at the entry',
    `services:
  a: { docker: { container: a }, depends_on: [a, nope, b] }
  b: { docker: { container: b } }
`,
    [
      'drowse.yaml:2:47: services.a.depends_on.0: service "a" cannot depend on itself',
      'drowse.yaml:2:50: services.a.depends_on.1: unknown service "nope" (known: b)',
    ],
  ],
  [
    'health takes one probe, and an http probe needs a target',
    'services:\n  a:\n    docker: { container: a }\n    health: { http: {}, exec: [date], retries: 0 }\n',
    [
      'drowse.yaml:4:15: services.a.health.http: an http probe checks the service\'s target; this service has neither http nor tcp',
      'drowse.yaml:4:25: services.a.health.exec: give one probe, not http and exec',
      'drowse.yaml:4:48: services.a.health.retries: must be at least 1',
    ],
  ],
  [
    'an empty wake_filter pattern would match every client',
    'defaults:\n  wake_filter: { deny: [""] }\n',
    ['drowse.yaml:2:25: defaults.wake_filter.deny.0: an empty pattern would match every client'],
  ],
  [
    'several problems are all reported, in file order',
    `services:
  app:
    docker: { container: app, provider: nope }
    http: { host: app.lan }
    idle_timeout: 10
    stop_method: halt
  other:
    docker: { container: other }
    http: { host: APP.lan, target: "http://127.0.0.1:\${PORT}" }
log: { level: loud, colour: red }
`,
    [
      'drowse.yaml:3:41: services.app.docker.provider: unknown docker provider "nope" (known: local)',
      'drowse.yaml:4:5: services.app.http: needs target, the URL requests are forwarded to',
      'drowse.yaml:5:19: services.app.idle_timeout: expected a duration like 30s or 15m',
      'drowse.yaml:6:18: services.app.stop_method: expected one of stop, pause, kill',
      'drowse.yaml:9:19: services.other.http.host: host "app.lan" is already claimed by service "app"',
      'drowse.yaml:10:15: log.level: expected one of trace, debug, info, warn, error, fatal, silent',
      'drowse.yaml:10:21: log.colour: unknown key "colour"',
    ],
  ],
];

for (const [name, yaml, expected] of cases) {
  test(name, () => {
    const result = parseConfig(yaml, 'drowse.yaml', env);
    assert.equal(result.ok, false, 'expected the config to be refused');
    if (result.ok) return;
    assert.equal(result.source, 'drowse.yaml');
    assert.deepEqual(result.problems.map(formatProblem), expected);
  });
}

test('a problem about the whole file prints without a position', () => {
  assert.equal(formatProblem({ file: 'x.yaml', line: 0, col: 0, path: '', message: 'file not found' }), 'x.yaml: file not found');
});
