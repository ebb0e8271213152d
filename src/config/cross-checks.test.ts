/** Rules that span keys (resolve.ts crossCheck), each with the line `drowse check` prints. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';

function problems(yaml: string): string[] {
  const result = parseConfig(yaml, 'drowse.yaml', {});
  assert.equal(result.ok, false, `expected a refusal of:\n${yaml}`);
  return result.ok ? [] : result.problems.map(formatProblem);
}
const accepted = (yaml: string) => {
  const result = parseConfig(yaml, 'drowse.yaml', {});
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems.map(formatProblem)));
  return result.config;
};
const svc = (name: string, extra = '') => `  ${name}:\n    docker: { container: ${name} }\n${extra}`;

const cases: Array<[string, string, string[]]> = [
  ['a control listen without a token', 'control: { listen: "127.0.0.1:9090" }\n', ['drowse.yaml:1:20: control.listen: a TCP control API requires token (set control.token)']],
  ['a control listen with an empty token', 'control: { listen: "127.0.0.1:9090", token: "" }\n', ['drowse.yaml:1:20: control.listen: a TCP control API requires token (set control.token)']],
  ['control socket and listen together', 'control: { listen: "127.0.0.1:9090", token: t, socket: /run/c.sock }\n', ['drowse.yaml:1:20: control.listen: give either socket or listen, not both']],
  ['a provider with socket and url', 'providers:\n  docker:\n    p: { socket: /s, url: "tcp://h:1" }\n', ['drowse.yaml:3:27: providers.docker.p.url: give either socket or url, not both']],
  ['tls without url', 'providers:\n  docker:\n    p: { tls: { ca: /ca } }\n', ['drowse.yaml:3:15: providers.docker.p.tls: tls applies only to an engine reached by url']],
  ['a control API on a custom entrypoint', 'entrypoints: { http: "127.0.0.1:9000" }\ncontrol: { listen: "localhost:9000", token: t }\n', []],
  ['a control API on the wildcard entrypoint port', 'entrypoints: { http: "0.0.0.0:9000" }\ncontrol: { listen: "127.0.0.1:9000", token: t }\n', ['drowse.yaml:2:20: control.listen: 127.0.0.1:9000 is also the HTTP entrypoint']],
  ['a control API on the IPv6 wildcard', 'control: { listen: "[::]:8080", token: t }\n', ['drowse.yaml:1:20: control.listen: [::]:8080 is also the HTTP entrypoint']],
  ['a service with no workload', 'services:\n  a: { http: { host: a.lan, target: "http://127.0.0.1:1" } }\n', ['drowse.yaml:2:3: services.a: a service needs a workload: docker { container } or proxmox { node, vmid }']],
  ['an unknown provider lists the known ones', 'providers:\n  docker:\n    one: {}\n    two: {}\nservices:\n  a: { docker: { container: a, provider: three } }\n', ['drowse.yaml:6:42: services.a.docker.provider: unknown docker provider "three" (known: one, two)']],
  ['no provider at all', 'providers:\n  docker: {}\nservices:\n  a: { docker: { container: a } }\n', ['drowse.yaml:4:16: services.a.docker: no docker provider is configured (providers.docker is empty)']],
  ['a named provider when there are none', 'providers:\n  docker: {}\nservices:\n  a: { docker: { container: a, provider: p } }\n', ['drowse.yaml:4:42: services.a.docker.provider: unknown docker provider "p"']],
  ['one container under the first provider twice, once by name', 'providers:\n  docker:\n    p: {}\n    q: {}\nservices:\n  a: { docker: { container: c } }\n  b: { docker: { container: c, provider: p } }\n', ['drowse.yaml:7:29: services.b.docker.container: container "c" is already the workload of service "a"; give one service both routes']],
  ['two probes', `services:\n${svc('a', '    health: { exec: [x], docker: {} }\n')}`, ['drowse.yaml:4:26: services.a.health.docker: give one probe, not exec and docker']],
  ['an http probe without a route', `services:\n${svc('a', '    health: { http: {} }\n')}`, ['drowse.yaml:4:15: services.a.health.http: an http probe checks the service\'s target; this service has neither http nor tcp']],
  ['a tcp probe without a route', `services:\n${svc('a', '    health: { tcp: {} }\n')}`, ['drowse.yaml:4:15: services.a.health.tcp: a tcp probe checks the service\'s target; this service has neither http nor tcp']],
  ['a health timeout by default against a short wake_timeout from defaults', `defaults: { wake_timeout: 5s }\nservices:\n${svc('a', '    health: { exec: [x] }\n')}`, ['drowse.yaml:5:5: services.a.health: health.timeout (5s by default) must be shorter than wake_timeout (5s from defaults), or a wake ends before its first check']],
  ['two tcp routes on one address', `services:\n${svc('a', '    tcp: { listen: ":5432", target: "127.0.0.1:1" }\n')}${svc('b', '    tcp: { listen: "127.0.0.1:5432", target: "127.0.0.1:2" }\n')}`, ['drowse.yaml:7:20: services.b.tcp.listen: 127.0.0.1:5432 is already the tcp listen address of service "a"']],
  ['two tcp routes on one IPv6 wildcard', `services:\n${svc('a', '    tcp: { listen: "127.0.0.1:5432", target: "127.0.0.1:1" }\n')}${svc('b', '    tcp: { listen: "[::]:5432", target: "127.0.0.1:2" }\n')}`, ['drowse.yaml:7:20: services.b.tcp.listen: [::]:5432 is already the tcp listen address of service "a"']],
  ['two tcp routes on one host written in two cases', `services:\n${svc('a', '    tcp: { listen: "DB.lan:5432", target: "127.0.0.1:1" }\n')}${svc('b', '    tcp: { listen: "db.LAN:5432", target: "127.0.0.1:2" }\n')}`, ['drowse.yaml:7:20: services.b.tcp.listen: db.LAN:5432 is already the tcp listen address of service "a"']],
  ['a host claimed twice, in a list', `services:\n${svc('a', '    http: { host: a.lan, target: "http://127.0.0.1:1" }\n')}${svc('b', '    http: { host: [b.lan, A.lan], target: "http://127.0.0.1:2" }\n')}`, ['drowse.yaml:7:27: services.b.http.host.1: host "a.lan" is already claimed by service "a"']],
  ['a target at localhost on the entrypoint port', `services:\n${svc('a', '    http: { host: a.lan, target: "http://localhost:8080" }\n')}`, ['drowse.yaml:4:34: services.a.http.target: target http://localhost:8080 is drowse\'s own HTTP entrypoint; point it at the app']],
  ['a target at 127.0.0.2 on the entrypoint port', `services:\n${svc('a', '    http: { host: a.lan, target: "http://127.0.0.2:8080" }\n')}`, ['drowse.yaml:4:34: services.a.http.target: target http://127.0.0.2:8080 is drowse\'s own HTTP entrypoint; point it at the app']],
  ['a target at the entrypoint host by name', `entrypoints: { http: "Proxy.lan:80" }\nservices:\n${svc('a', '    http: { host: a.lan, target: "http://proxy.LAN:80" }\n')}`, ['drowse.yaml:5:34: services.a.http.target: target http://proxy.LAN:80 is drowse\'s own HTTP entrypoint; point it at the app']],
  ['a target at 0.0.0.0 with a wildcard entrypoint', `services:\n${svc('a', '    http: { host: a.lan, target: "http://0.0.0.0:8080" }\n')}`, ['drowse.yaml:4:34: services.a.http.target: target http://0.0.0.0:8080 is drowse\'s own HTTP entrypoint; point it at the app']],
  ['a service depending on itself', `services:\n${svc('a', '    depends_on: [a]\n')}`, ['drowse.yaml:4:18: services.a.depends_on.0: service "a" cannot depend on itself']],
  ['an unknown dependency with a short list of services', `services:\n${svc('a', '    depends_on: zzz\n')}${svc('b')}`, ['drowse.yaml:4:17: services.a.depends_on: unknown service "zzz" (known: b)']],
  ['a dependency cycle', `services:\n${svc('a', '    depends_on: b\n')}${svc('b', '    depends_on: [c]\n')}${svc('c', '    depends_on: [a]\n')}`, ['drowse.yaml:4:17: services.a.depends_on: dependency cycle: a → b → c → a']],
];

for (const [name, yaml, expected] of cases) {
  test(`cross-check: ${name}`, () => {
    if (expected.length === 0) accepted(yaml);
    else assert.deepEqual(problems(yaml), expected);
  });
}

test('cross-check: an unknown dependency among more than ten services gets no list', () => {
  const many = Array.from({ length: 11 }, (_, i) => svc(`s${i}`)).join('');
  assert.deepEqual(problems(`services:\n${svc('a', '    depends_on: zzz\n')}${many}`), ['drowse.yaml:4:17: services.a.depends_on: unknown service "zzz"']);
});

test('cross-check: an unknown dependency among exactly ten services lists the others', () => {
  const nine = Array.from({ length: 9 }, (_, i) => svc(`s${i}`)).join('');
  assert.deepEqual(problems(`services:\n${svc('a', '    depends_on: zzz\n')}${nine}`), [
    'drowse.yaml:4:17: services.a.depends_on: unknown service "zzz" (known: s0, s1, s2, s3, s4, s5, s6, s7, s8)',
  ]);
});

test('cross-check: a lone service depending on a stranger gets no hint', () => {
  assert.deepEqual(problems(`services:\n${svc('a', '    depends_on: [zzz]\n')}`), ['drowse.yaml:4:18: services.a.depends_on.0: unknown service "zzz"']);
});

test('cross-check: an unknown dependency after an entry that is not a name is reported at its own index', () => {
  assert.deepEqual(problems(`services:\n${svc('a', '    depends_on: [5, zzz]\n')}${svc('b')}`), [
    'drowse.yaml:4:17: services.a.depends_on: expected a service name or a list of service names',
    'drowse.yaml:4:21: services.a.depends_on.1: unknown service "zzz" (known: b)',
  ]);
});

test('cross-check: a service that is not a map and a non-string target are left to the schema', () => {
  assert.deepEqual(problems('services:\n  a: [1]\n'), ['drowse.yaml:2:6: services.a: expected a map, got a list']);
});

test('cross-check: a tcp listen on another port than the entrypoint and the control API is accepted', () => {
  const config = accepted(`control: { listen: "127.0.0.1:9090", token: t }\nservices:\n${svc('a', '    tcp: { listen: "127.0.0.1:9091", target: "127.0.0.1:1" }\n')}${svc('b', '    tcp: { listen: "127.0.0.2:9091", target: "127.0.0.1:2" }\n')}`);
  assert.deepEqual(config.services.map((s) => s.tcp?.listen), [{ host: '127.0.0.1', port: 9091 }, { host: '127.0.0.2', port: 9091 }]);
});

test('cross-check: targets on other ports or hosts than the entrypoint are accepted', () => {
  accepted(`entrypoints: { http: "127.0.0.1:0" }\nservices:\n${svc('a', '    http: { host: a.lan, target: "http://127.0.0.1:8080" }\n')}`);
  accepted(`entrypoints: { http: "app-host.test:80" }\nservices:\n${svc('a', '    http: { host: a.lan, target: "http://other-host.test:80" }\n')}${svc('b', '    http: { host: b.lan, target: "http://0.0.0.0:80" }\n')}`);
  accepted(`services:\n${svc('a', '    http: { host: a.lan, target: "http://127.0.0.1:8081" }\n')}`);
});
