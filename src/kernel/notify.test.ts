/** The sd_notify client against a real unix datagram socket bound here, as systemd binds its own. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindNotifySocket } from '../../test/helpers/notify/index.ts';
import { waitFor } from '../../test/helpers/fakes/index.ts';
import { createNotifier, monotonicUsec, notifySettings } from './notify.ts';
import { createLogger, silentLogger } from './log.ts';

test('READY, RELOADING with MONOTONIC_USEC, STATUS and STOPPING arrive as datagrams on NOTIFY_SOCKET', { timeout: 10_000 }, async (t) => {
  const sock = await bindNotifySocket(t);
  const n = await createNotifier({ env: { NOTIFY_SOCKET: sock.address }, log: silentLogger() });
  assert.equal(n.enabled, true);

  n.ready('serving 2 services, 0 awake');
  const before = monotonicUsec();
  n.reloading();
  const after = monotonicUsec();
  n.ready('serving 3 services, 1 awake');
  n.stopping();
  // A reload that ends during the shutdown: systemd must not hear READY again.
  n.reloading();
  n.ready('late');
  n.stopping();
  await n.flush();
  await waitFor(() => sock.messages.length >= 4, { timeoutMs: 5_000, message: 'four datagrams' });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(sock.messages.length, 4, sock.messages.map((m) => m.text).join(' | '));

  assert.deepEqual(sock.messages.map((m) => m.text.split('\n')[0]), ['READY=1', 'RELOADING=1', 'READY=1', 'STOPPING=1']);
  assert.equal(sock.messages[0]?.fields['STATUS'], 'serving 2 services, 0 awake');
  const usec = BigInt(sock.messages[1]?.fields['MONOTONIC_USEC'] ?? '-1');
  assert.ok(usec >= before && usec <= after, `MONOTONIC_USEC ${usec} is CLOCK_MONOTONIC between ${before} and ${after}`);
  assert.equal(sock.messages[2]?.fields['STATUS'], 'serving 3 services, 1 awake');
  assert.equal(sock.messages[3]?.fields['STATUS'], 'shutting down');
});

test('an abstract NOTIFY_SOCKET (@name) is reached in the abstract namespace', { timeout: 10_000 }, async (t) => {
  const sock = await bindNotifySocket(t, { abstract: true });
  assert.match(sock.address, /^@/);
  const n = await createNotifier({ env: { NOTIFY_SOCKET: sock.address }, log: silentLogger() });
  n.ready();
  await waitFor(() => sock.with('READY').length === 1, { timeoutMs: 5_000, message: 'READY=1 on the abstract socket' });
});

test('STATUS is sent only when the line changes, and on one line', { timeout: 10_000 }, async (t) => {
  const sock = await bindNotifySocket(t);
  const n = await createNotifier({ env: { NOTIFY_SOCKET: sock.address }, log: silentLogger() });
  n.status('a');
  n.status('a');
  n.status('b\nSTOPPING=1');
  await n.flush();
  await waitFor(() => sock.messages.length >= 2, { timeoutMs: 5_000 });
  assert.deepEqual(sock.messages.map((m) => m.text), ['STATUS=a', 'STATUS=b STOPPING=1']);
});

test('the watchdog pings at half WATCHDOG_USEC from a timer, and stops at STOPPING', { timeout: 10_000 }, async (t) => {
  const sock = await bindNotifySocket(t);
  const n = await createNotifier({ env: { NOTIFY_SOCKET: sock.address, WATCHDOG_USEC: '200000', WATCHDOG_PID: String(process.pid) }, log: silentLogger() });
  t.after(() => n.close());
  assert.equal(n.watchdogPingMs, 100);
  const start = Date.now();
  n.startWatchdog();
  await waitFor(() => sock.with('WATCHDOG').length >= 6, { timeoutMs: 5_000, message: 'six pings' });
  const pings = sock.with('WATCHDOG');
  // Six pings (one at once, five on the timer) take about 500 ms at 100 ms each; far fewer than at 200 ms would fit.
  const span = (pings[5]?.at ?? 0) - start;
  assert.ok(span >= 400 && span < 2_000, `six pings in ${span} ms at a 100 ms interval`);
  n.stopping();
  await n.flush();
  const count = sock.with('WATCHDOG').length;
  await new Promise((r) => setTimeout(r, 350));
  assert.equal(sock.with('WATCHDOG').length, count, 'no pings after STOPPING');
});

test('a blocked event loop stops the watchdog pings', { timeout: 10_000 }, async (t) => {
  const sock = await bindNotifySocket(t);
  const n = await createNotifier({ env: { NOTIFY_SOCKET: sock.address, WATCHDOG_USEC: '100000' }, log: silentLogger() });
  t.after(() => n.close());
  n.startWatchdog();
  await waitFor(() => sock.with('WATCHDOG').length >= 2, { timeoutMs: 5_000 });
  const before = sock.with('WATCHDOG').length;
  const until = Date.now() + 400;
  while (Date.now() < until) {
    // busy: the timer cannot run
  }
  await new Promise((r) => setTimeout(r, 50));
  // An unblocked loop would have pinged about 4 times in these 450 ms. Allowed: one sent just before
  // the block and read only after it, and the one late tick a timer fires once the loop is free.
  assert.ok(sock.with('WATCHDOG').length <= before + 2, `${sock.with('WATCHDOG').length - before} pings while the loop was blocked for 4 intervals`);
});

test('a WATCHDOG_PID of another process means no pings', { timeout: 10_000 }, async (t) => {
  const sock = await bindNotifySocket(t);
  const n = await createNotifier({ env: { NOTIFY_SOCKET: sock.address, WATCHDOG_USEC: '50000', WATCHDOG_PID: String(process.pid + 1) }, log: silentLogger() });
  assert.equal(n.watchdogPingMs, undefined);
  n.startWatchdog();
  n.ready();
  await waitFor(() => sock.with('READY').length === 1, { timeoutMs: 5_000 });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(sock.with('WATCHDOG').length, 0);
});

test('without NOTIFY_SOCKET every call is a no-op', async () => {
  const n = await createNotifier({ env: { WATCHDOG_USEC: '1000' }, log: silentLogger() });
  assert.equal(n.enabled, false);
  assert.equal(n.watchdogPingMs, undefined);
  n.ready('x');
  n.reloading();
  n.startWatchdog();
  n.trackStatus(() => 'y');
  n.stopping();
  await n.flush();
});

test('settings follow sd_notify: paths and @names only, the watchdog a positive integer for this pid', () => {
  assert.deepEqual(notifySettings({}, 1), {});
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: 'relative/sock' }, 1), {});
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: '@' }, 1), {});
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: '@x' }, 1), { address: '\0x' });
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: '/run/s', WATCHDOG_USEC: '30000000' }, 7), { address: '/run/s', watchdogPingMs: 15_000 });
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: '/run/s', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 7), { address: '/run/s', watchdogPingMs: 15_000 });
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: '/run/s', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '8' }, 7), { address: '/run/s' });
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: '/run/s', WATCHDOG_USEC: '0' }, 7), { address: '/run/s' });
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: '/run/s', WATCHDOG_USEC: '-5' }, 7), { address: '/run/s' });
  assert.deepEqual(notifySettings({ WATCHDOG_USEC: '30000000' }, 7), {});
});

test('a socket that is gone is logged once as a warning, never thrown', { timeout: 10_000 }, async () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'warn', format: 'json' }, { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream);
  const n = await createNotifier({ env: { NOTIFY_SOCKET: '/nonexistent/drowse-notify.sock' }, log });
  n.ready();
  n.status('a');
  n.status('b');
  await n.flush();
  const warnings = lines.filter((l) => l.includes('could not notify systemd'));
  assert.equal(warnings.length, 1, lines.join(''));
  assert.match(warnings[0] ?? '', /"socket":"\/nonexistent\/drowse-notify.sock"/);
});
