/**
 * Every kind of broken config `drowse check` must refuse, with the exact line it prints. Each case
 * is a whole file written to disk and loaded the way `drowse check -c drowse.yaml` loads it, so the
 * checks that happen before parsing (size, encoding) are covered by the same table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatProblem, loadConfig } from './index.ts';

const app = 'services:\n  a:\n    docker: { container: a }\n';
const MiB = 1024 * 1024;

const cases: Array<[string, string | Buffer, string[]]> = [
  // The file as a whole
  ['an empty file says what is wrong', '', ['drowse.yaml:1:1: the config file is empty; see config/drowse.example.yaml']],
  ['a file of blank lines is empty', '\n  \n\n', ['drowse.yaml:1:1: the config file is empty; see config/drowse.example.yaml']],
  ['a lone document marker is empty', '---\n', ['drowse.yaml:1:1: the config file is empty; see config/drowse.example.yaml']],
  [
    'a file of only comments has no settings',
    '# drowse\n# services:\n',
    ['drowse.yaml:1:1: the config file has only comments, no settings; see config/drowse.example.yaml'],
  ],
  ['a top-level scalar is not a map', 'hello\n', ['drowse.yaml:1:1: expected a map of settings (key: value) at the top level']],
  ['a top-level list is not a map', '- services\n', ['drowse.yaml:1:1: expected a map of settings (key: value) at the top level']],
  ['a second YAML document is refused', 'log: { level: info }\n---\nlog: { level: warn }\n', ['drowse.yaml:2:1: a config file holds one YAML document; remove the second "---"']],
  ['a file over the size limit is refused before it is read', Buffer.alloc(5 * MiB, '#'), ['drowse.yaml: the config file is 5.0 MiB; the limit is 4 MiB']],
  ['invalid UTF-8 is reported where it starts', Buffer.from('log: { level: info }\nx-a: "caf\xe9"\n', 'latin1'), ['drowse.yaml:2:10: the file is not valid UTF-8 here; save it as UTF-8']],
  ['a UTF-16 file is not UTF-8', Buffer.from('\ufefflog: {}\n', 'utf16le'), ['drowse.yaml:1:1: the file is not valid UTF-8 here; save it as UTF-8']],
  ['a NUL byte is refused at its position', 'log: { level: info }\nx-a: "a\0b"\n', ['drowse.yaml:2:8: a NUL byte; a config file is text']],
  ['a control character is refused at its position', 'log: { level: "in\u0007fo" }\n', ['drowse.yaml:1:18: control character U+0007; a config file is text']],
  ['a tab used as indentation is a YAML error', 'log:\n\tlevel: info\n', ['drowse.yaml:2:1: Tabs are not allowed as indentation']],
  [
    'a duplicate key names the first one',
    'services:\n  a: { docker: { container: a } }\n  a: { docker: { container: b } }\n',
    ['drowse.yaml:3:3: services.a: duplicate key "a" (first at line 2)'],
  ],
  ['a duplicate key inside { } is found too', 'log: { level: info, level: warn }\n', ['drowse.yaml:1:21: log.level: duplicate key "level" (first at line 1)']],
  ['a key that is a list is refused', '? [a, b]\n: 1\n', ['drowse.yaml:1:3: a key must be a name, not a list or map']],
  ['nesting beyond the limit is refused', `x-a: ${'['.repeat(70)}${']'.repeat(70)}\n`, ['drowse.yaml:1:69: the config nests deeper than 64 levels']],
  [
    'aliases that expand too far are refused',
    `x-a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 6 }, (_, i) => `x-${i}: &a${i} [${Array(10).fill(i === 0 ? '*a' : `*a${i - 1}`).join(', ')}]`).join('\n')}\n`,
    ['drowse.yaml:1:1: YAML aliases expand to too much (more than 100 uses); write the values out'],
  ],

  // Durations
  ['a negative duration is not a duration', 'defaults:\n  idle_timeout: -5s\n', ['drowse.yaml:2:17: defaults.idle_timeout: expected a duration like 30s or 15m']],
  ['a duration that rounds to 0 ms is zero', 'defaults:\n  stop_timeout: 0.4ms\n', ['drowse.yaml:2:17: defaults.stop_timeout: must be longer than 0']],
  ['a duration past every timer is refused', 'defaults:\n  idle_timeout: 99999999999999h\n', ['drowse.yaml:2:17: defaults.idle_timeout: must be at most 365d']],
  ['a duration too long to be a number is refused', `defaults:\n  idle_timeout: ${'9'.repeat(400)}h\n`, ['drowse.yaml:2:17: defaults.idle_timeout: must be at most 365d']],
  ['a wake_timeout over an hour is refused', `${app}    wake_timeout: 2h\n`, ['drowse.yaml:4:19: services.a.wake_timeout: must be at most 1h']],
  ['a stop_timeout over an hour is refused', 'defaults:\n  stop_timeout: 90m\n', ['drowse.yaml:2:17: defaults.stop_timeout: must be at most 1h']],
  ['a health timeout over an hour is refused', `${app}    health: { exec: [date], timeout: 2h }\n    wake_timeout: 1h\n`, [
      'drowse.yaml:4:38: services.a.health.timeout: must be at most 1h',
      'drowse.yaml:5:19: services.a.wake_timeout: must be longer than health.timeout (2h), or a wake ends before its first check',
    ]],
  [
    'a poll_interval below 100ms would hammer the engine',
    'providers:\n  docker:\n    local: { events: poll, poll_interval: 10ms }\n',
    ['drowse.yaml:3:43: providers.docker.local.poll_interval: must be at least 100ms'],
  ],
  ['a disk_usage_interval below 1s is refused', 'providers:\n  docker:\n    local: { disk_usage_interval: 500ms }\n', ['drowse.yaml:3:35: providers.docker.local.disk_usage_interval: must be at least 1s']],
  [
    'a wake_timeout not longer than the health timeout is refused',
    `${app}    wake_timeout: 5s\n    health: { exec: [date], timeout: 10s }\n`,
    ['drowse.yaml:4:19: services.a.wake_timeout: must be longer than health.timeout (10s), or a wake ends before its first check'],
  ],
  [
    'a health timeout not shorter than the default wake_timeout is refused',
    `defaults:\n  wake_timeout: 30s\n${app}    health: { exec: [date], timeout: 30s }\n`,
    ['drowse.yaml:6:38: services.a.health.timeout: must be shorter than wake_timeout (30s from defaults), or a wake ends before its first check'],
  ],

  // Signals and statuses
  ['an unknown signal is refused', 'defaults:\n  stop_signal: SIGFOO\n', ['drowse.yaml:2:16: defaults.stop_signal: unknown signal "SIGFOO"; use one Docker accepts, like SIGTERM, SIGINT, SIGQUIT, SIGHUP or SIGUSR1']],
  ['a misspelt signal gets a suggestion', `${app}    stop_signal: SIGTREM\n`, ['drowse.yaml:4:18: services.a.stop_signal: unknown signal "SIGTREM" (did you mean "SIGTERM"?)']],
  ['a signal without SIG is refused', 'defaults:\n  stop_signal: term\n', ['drowse.yaml:2:16: defaults.stop_signal: expected a signal name like SIGTERM']],
  [
    'a status outside 100-599 is refused',
    'services:\n  a:\n    docker: { container: a }\n    http: { host: a.lan, target: "http://127.0.0.1:1" }\n    health: { http: { expect: "600-100" } }\n',
    ['drowse.yaml:5:31: services.a.health.http.expect: status 600 is not an HTTP status (100-599)'],
  ],
  [
    'a backwards status range is refused',
    'services:\n  a:\n    docker: { container: a }\n    http: { host: a.lan, target: "http://127.0.0.1:1" }\n    health: { http: { expect: "200, 499-200" } }\n',
    ['drowse.yaml:5:31: services.a.health.http.expect: range 499-200 is backwards; write 200-499'],
  ],

  // Addresses, hosts and targets
  ['a tcp listen on port 0 is refused', `${app}    tcp: { listen: "127.0.0.1:0", target: "127.0.0.1:1" }\n`, ['drowse.yaml:4:20: services.a.tcp.listen: port 0 would listen on a random port; give a port from 1 to 65535']],
  ['a tcp target port over 65535 is refused', `${app}    tcp: { listen: "127.0.0.1:5432", target: "127.0.0.1:65536" }\n`, ['drowse.yaml:4:46: services.a.tcp.target: expected host:port with a host, like "127.0.0.1:15432"']],
  ['a tcp listen on the default HTTP entrypoint is refused', `${app}    tcp: { listen: "[::]:8080", target: "127.0.0.1:1" }\n`, ['drowse.yaml:4:20: services.a.tcp.listen: [::]:8080 is also the HTTP entrypoint']],
  ['a control API on the HTTP entrypoint is refused', 'control: { listen: "127.0.0.1:8080", token: t }\n', ['drowse.yaml:1:20: control.listen: 127.0.0.1:8080 is also the HTTP entrypoint']],
  [
    'a control API on a tcp listen address is refused',
    `control: { listen: "127.0.0.1:9090", token: t }\n${app}    tcp: { listen: ":9090", target: "127.0.0.1:1" }\n`,
    ['drowse.yaml:5:20: services.a.tcp.listen: :9090 is also the control API address'],
  ],
  ['a host with a trailing dot is refused', `${app}    http: { host: "a.lan.", target: "http://127.0.0.1:1" }\n`, ['drowse.yaml:4:19: services.a.http.host: expected a host name like app.lan or *.app.lan']],
  ['an empty host is refused', `${app}    http: { host: "", target: "http://127.0.0.1:1" }\n`, ['drowse.yaml:4:19: services.a.http.host: expected a host name like app.lan or *.app.lan']],
  ['a target with a path is refused', `${app}    http: { host: a.lan, target: "http://127.0.0.1:80/app" }\n`, ['drowse.yaml:4:34: services.a.http.target: expected an http:// URL with host and port, like http://127.0.0.1:18080']],
  ['a target on port 0 is refused', `${app}    http: { host: a.lan, target: "http://127.0.0.1:0" }\n`, ['drowse.yaml:4:34: services.a.http.target: expected an http:// URL with host and port, like http://127.0.0.1:18080']],
  [
    'a target at the entrypoint over IPv6 loopback would loop',
    `${app}    http: { host: a.lan, target: "http://[::1]:8080" }\n`,
    ['drowse.yaml:4:34: services.a.http.target: target http://[::1]:8080 is drowse\'s own HTTP entrypoint; point it at the app'],
  ],

  // Services
  [
    'two services on one container are refused',
    'services:\n  a: { docker: { container: app } }\n  b: { docker: { container: app } }\n',
    ['drowse.yaml:3:29: services.b.docker.container: container "app" is already the workload of service "a"; give one service both routes'],
  ],
  [
    'an unknown dependency suggests the near name',
    'services:\n  db: { docker: { container: db } }\n  a: { docker: { container: a }, depends_on: dbb }\n',
    ['drowse.yaml:3:46: services.a.depends_on: unknown service "dbb" (did you mean "db"?)'],
  ],
  [
    'a dependency named like a built-in object property is still unknown',
    'services:\n  a: { docker: { container: a }, depends_on: constructor }\n',
    ['drowse.yaml:2:46: services.a.depends_on: unknown service "constructor"'],
  ],
  ['a service that is not a map is refused', 'services:\n  a: 5\n', ['drowse.yaml:2:6: services.a: expected a map, got 5']],
  ['an unknown top-level key suggests the near one', 'servics: {}\n', ['drowse.yaml:1:1: servics: unknown key "servics" (did you mean "services"?)']],
  ['max_held 0 is refused', `${app}    tcp: { listen: "127.0.0.1:5432", target: "127.0.0.1:1", max_held: 0 }\n`, ['drowse.yaml:4:71: services.a.tcp.max_held: must be at least 1']],
  ['an empty exec probe is refused', `${app}    health: { exec: [] }\n`, ['drowse.yaml:4:21: services.a.health.exec: give the command to run']],
];

for (const [name, content, expected] of cases) {
  test(`broken config: ${name}`, { timeout: 10_000 }, async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'drowse-broken-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, 'drowse.yaml'), content);

    const result = await loadConfig({ file: 'drowse.yaml', cwd: dir, env: {} });

    assert.equal(result.ok, false, 'expected the config to be refused');
    if (result.ok) return;
    assert.deepEqual(result.problems.map(formatProblem), expected);
  });
}

test('broken config: nesting deep enough to overflow the YAML parser is refused quickly and clearly', { timeout: 10_000 }, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-broken-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'drowse.yaml'), `x-a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);

  const result = await loadConfig({ file: 'drowse.yaml', cwd: dir, env: {} });

  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.problems.map((p) => `${p.line}: ${p.message}`), ['1: the config nests deeper than 64 levels']);
});
