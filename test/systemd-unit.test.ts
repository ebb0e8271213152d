/**
 * examples/drowse.service is what an operator installs. No systemd runs as PID 1 where the tests
 * run, so the unit is checked as far as it can be without one: the keys drowse relies on, that its
 * stop timeout leaves room for shutdown_timeout, and `systemd-analyze verify` where it exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseConfig } from '../src/config/index.ts';

const UNIT = new URL('../examples/drowse.service', import.meta.url);
const run = promisify(execFile);

type Unit = Map<string, Map<string, string[]>>;

/** systemd's unit syntax as far as the example uses it: [Section], Key=Value (repeatable), # and ; comments. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header?.[1]) {
      section = new Map();
      unit.set(header[1], section);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(section && eq > 0, `line ${i + 1} is neither a section nor Key=Value: ${raw}`);
    const key = line.slice(0, eq);
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1)]);
  }
  return unit;
}

/** systemd time spans as the example writes them: "30s", "2min", "1m30s". */
function seconds(span: string): number {
  let total = 0;
  for (const [, n, u] of span.matchAll(/(\d+)\s*(ms|min|s|m|h)?/g)) total += Number(n) * ({ ms: 0.001, s: 1, m: 60, min: 60, h: 3600 }[u ?? 's'] ?? NaN);
  return total;
}

async function unit(): Promise<{ text: string; service: Map<string, string[]>; one: (key: string) => string }> {
  const text = await fs.readFile(UNIT, 'utf8');
  const service = parseUnit(text).get('Service');
  assert.ok(service, 'a [Service] section');
  const one = (key: string) => {
    const values = service.get(key);
    assert.equal(values?.length, 1, `${key}= set exactly once`);
    return values?.[0] ?? '';
  };
  return { text, service, one };
}

test('the example unit is Type=notify with a watchdog, restarts on failure and raises the open-files limit', async () => {
  const { one } = await unit();
  assert.equal(one('Type'), 'notify');
  assert.equal(one('NotifyAccess'), 'main');
  assert.ok(seconds(one('WatchdogSec')) >= 2, 'a watchdog long enough for a busy loop');
  assert.equal(one('Restart'), 'on-failure');
  assert.ok(Number(one('LimitNOFILE')) >= 65_536);
  assert.match(one('ExecStart'), /^\/\S+\/drowse serve -c \/etc\/drowse\/drowse\.yaml$/);
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.deepEqual(one('SuccessExitStatus').split(/\s+/).sort(), ['130', '143'], 'the second-signal exit codes');
});

test("the example unit's stop timeout leaves room for the default shutdown_timeout", async () => {
  const { one } = await unit();
  const parsed = parseConfig('{}\n', 'drowse.yaml', {});
  assert.ok(parsed.ok);
  // serve exits 1 by itself at shutdown_timeout + 5 s; systemd's SIGKILL must come after that.
  assert.ok(seconds(one('TimeoutStopSec')) > parsed.config.shutdownTimeoutMs / 1000 + 5, `TimeoutStopSec=${one('TimeoutStopSec')}`);
});

test('the example unit is sandboxed yet reaches the Docker socket and its own directories', async () => {
  const { service, one } = await unit();
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.equal(one('ProtectSystem'), 'strict');
  assert.equal(one('ProtectHome'), 'yes');
  assert.equal(one('PrivateTmp'), 'yes');
  assert.equal(one('CapabilityBoundingSet'), '');
  assert.equal(one('User'), 'drowse');
  assert.ok(one('SupplementaryGroups').split(/\s+/).includes('docker'), 'the docker group, to open /var/run/docker.sock');
  assert.equal(one('RuntimeDirectory'), 'drowse');
  assert.equal(one('StateDirectory'), 'drowse');
  assert.deepEqual(one('ReadWritePaths').split(/\s+/).sort(), ['/run/drowse', '/var/lib/drowse']);
  assert.ok(one('RestrictAddressFamilies').split(/\s+/).includes('AF_UNIX'), 'unix sockets: Docker, control API, sd_notify');
  // Nothing may hide the Docker socket or bind it in (a bind mount would keep a stale socket after Docker restarts).
  for (const key of ['InaccessiblePaths', 'TemporaryFileSystem', 'BindPaths', 'BindReadOnlyPaths', 'PrivateNetwork', 'IPAddressDeny']) {
    assert.equal(service.get(key), undefined, `${key}= would cut drowse off from Docker or its clients`);
  }
  // The control socket default for a non-root drowse is $XDG_RUNTIME_DIR/drowse/control.sock: that must be the runtime directory.
  assert.ok(service.get('Environment')?.includes('XDG_RUNTIME_DIR=/run'));
});

test('systemd-analyze verify accepts the example unit', { timeout: 60_000 }, async (t) => {
  const analyze = await run('systemd-analyze', ['--version']).then(() => true, () => false);
  if (!analyze) return t.skip('systemd-analyze is not installed');
  const { text } = await unit();
  // verify checks that ExecStart's binary exists; drowse is not installed here, so an executable that is stands in.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-unit-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const copy = path.join(dir, 'drowse.service');
  await fs.writeFile(copy, text.replace('/usr/local/bin/drowse', process.execPath));
  const result = await run('systemd-analyze', ['verify', copy]).then(
    (r) => ({ code: 0, stderr: r.stderr }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );
  const own = result.stderr.split('\n').filter((l) => l.includes('drowse.service'));
  assert.deepEqual({ code: result.code, own }, { code: 0, own: [] }, result.stderr);
});
