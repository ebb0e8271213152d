// Targets learned from the workload at each wake (a Proxmox guest's address), through the registry as the daemon builds it.
// (The registry never binds the tcp listen address; the proxy does.)
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { parseConfig, formatProblem } from '../config/index.ts';
import { silentLogger } from '../kernel/index.ts';
import { FakeProvider } from '../../test/contract/index.ts';
import { waitFor } from '../../test/helpers/fakes/index.ts';
import { ServiceRegistry } from './registry.ts';
import { AddressUnknownError, ServiceUpstream } from './upstream.ts';

const PROVIDER = 'providers:\n  proxmox:\n    pve: { url: "https://127.0.0.1:8006", token_id: "drowse@pve!proxy", token_secret: "not-a-real-secret" }\n';

function registry(yaml: string, pve: FakeProvider) {
  const result = parseConfig(`${PROVIDER}${yaml}`, 'test.yaml', {});
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return new ServiceRegistry({ services: result.config.services, provider: (n) => (n === 'pve' ? pve : undefined), log: silentLogger(), probeTimeoutMs: 500 });
}

/** An HTTP app on one loopback address; answers with that address so a test sees where a request went. */
async function app(t: TestContext, host: string, port = 0): Promise<number> {
  const server = http.createServer((_req, res) => res.end(host));
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  t.after(() => server.close());
  return (server.address() as { port: number }).port;
}

test('a guest named by port is reached at the address its provider reports once it runs, and /status says so', async (t) => {
  const port = await app(t, '127.0.0.2');
  const pve = new FakeProvider('pve');
  pve.add('101');
  pve.setAddress('101', '127.0.0.2');
  const r = registry(`services:\n  notes:\n    proxmox: { node: pve1, vmid: 101 }\n    http: { host: notes.lan, port: ${port} }\n`, pve);
  t.after(() => r.stop());
  const notes = r.mustGet('notes');
  assert.throws(() => notes.upstream.httpTarget(), AddressUnknownError, 'no address before the first wake');
  assert.match(notes.status().target ?? '', /learned when it wakes/);
  await notes.whenReady(AbortSignal.timeout(5000));
  assert.equal(notes.upstream.httpTarget().origin, `http://127.0.0.2:${port}`);
  assert.equal(notes.status().target, `http://127.0.0.2:${port}`);
  assert.deepEqual(pve.calls.filter((c) => c.startsWith('start') || c.startsWith('address')), ['start:101', 'address:101'], 'asked once, after the start');
});

test('a guest with no address yet (DHCP) is asked again until it has one; only then is the app probed', async (t) => {
  const port = await app(t, '127.0.0.2');
  const pve = new FakeProvider('pve');
  pve.add('101');
  const r = registry(`services:\n  notes:\n    proxmox: { node: pve1, vmid: 101 }\n    http: { host: notes.lan, port: ${port} }\n`, pve);
  t.after(() => r.stop());
  const notes = r.mustGet('notes');
  const ready = notes.whenReady(AbortSignal.timeout(5000));
  await waitFor(() => pve.calls.filter((c) => c === 'address:101').length >= 2, { timeoutMs: 5000, message: 'address asked more than once' });
  assert.equal(notes.state, 'waking');
  pve.setAddress('101', '127.0.0.2');
  await ready;
  assert.equal(notes.upstream.httpTarget().hostname, '127.0.0.2');
});

test('each wake learns the address afresh: a guest back with another lease is followed, for tcp routes too', async (t) => {
  const port = await app(t, '127.0.0.2');
  await app(t, '127.0.0.3', port);
  const pve = new FakeProvider('pve');
  pve.add('102');
  pve.setAddress('102', '127.0.0.2');
  const r = registry(`services:\n  db:\n    proxmox: { node: pve1, vmid: 102 }\n    tcp: { listen: "127.0.0.1:15999", port: ${port} }\n`, pve);
  t.after(() => r.stop());
  const db = r.mustGet('db');
  await db.whenReady(AbortSignal.timeout(5000));
  assert.deepEqual(db.upstream.tcp(), { host: '127.0.0.2', port });
  db.sleep('idle');
  await waitFor(() => db.state === 'asleep', { timeoutMs: 5000, message: 'asleep' });
  pve.setAddress('102', '127.0.0.3');
  await db.whenReady(AbortSignal.timeout(5000));
  assert.deepEqual(db.upstream.tcp(), { host: '127.0.0.3', port });
  assert.equal(pve.calls.filter((c) => c === 'address:102').length, 2, 'once per wake');
});

test('a service with a fixed target never asks its provider for an address', async (t) => {
  const port = await app(t, '127.0.0.1');
  const pve = new FakeProvider('pve');
  pve.add('101');
  const r = registry(`services:\n  notes:\n    proxmox: { node: pve1, vmid: 101 }\n    http: { host: notes.lan, target: "http://127.0.0.1:${port}" }\n`, pve);
  t.after(() => r.stop());
  await r.mustGet('notes').whenReady(AbortSignal.timeout(5000));
  assert.equal(pve.calls.some((c) => c.startsWith('address')), false);
});

test('a derived address on a provider that cannot tell one is refused when the service is built', () => {
  const noAddress = { name: 'pve', kind: 'x' } as unknown as FakeProvider;
  assert.throws(
    () => new ServiceUpstream({ name: 'notes', http: { hosts: ['n.lan'], port: 80 }, address: {} }, { provider: noAddress, ref: { provider: 'pve', id: '101' } }),
    /service "notes": provider "pve" cannot tell a workload's address/,
  );
});

test('a fixed upstream is the config: targets as written, described as such, never forgotten', () => {
  const up = new ServiceUpstream({ name: 'web', http: { hosts: ['w.lan'], target: 'http://127.0.0.1:8080' }, tcp: { listen: { host: '127.0.0.1', port: 5432 }, target: { host: '127.0.0.1', port: 15432 }, maxHeld: 1, openKeepsAwake: false } });
  assert.equal(up.derived, false);
  assert.equal(up.learn, undefined);
  up.forget();
  assert.equal(up.httpTarget().href, 'http://127.0.0.1:8080/');
  assert.deepEqual(up.tcpTarget(), { host: '127.0.0.1', port: 15432 });
  assert.equal(up.describe(), 'http://127.0.0.1:8080');
  const tcpOnly = new ServiceUpstream({ name: 'db', tcp: { listen: { host: '127.0.0.1', port: 5432 }, target: { host: '::1', port: 15432 }, maxHeld: 1, openKeepsAwake: false } });
  assert.equal(tcpOnly.http(), undefined);
  assert.equal(tcpOnly.describe(), '[::1]:15432');
  assert.equal(new ServiceUpstream({ name: 'none' }).describe(), undefined, 'a service with no route has no target');
});

test('a learned IPv6 address is bracketed in the URL; a tcp-only guest is described by its port until it wakes', async () => {
  const pve = new FakeProvider('pve');
  const ref = pve.add('101');
  pve.set('101', 'running');
  pve.setAddress('101', 'fd00::51');
  const up = new ServiceUpstream({ name: 'g', http: { hosts: ['g.lan'], port: 3000 }, address: { interface: 'eth0' } }, { provider: pve, ref });
  await up.learn?.(AbortSignal.timeout(1000));
  assert.equal(up.httpTarget().href, 'http://[fd00::51]:3000/');
  up.forget();
  assert.equal(up.http(), undefined);
  assert.throws(() => up.tcpTarget(), AddressUnknownError, 'no tcp route: no tcp target');
  const db = new ServiceUpstream({ name: 'db', tcp: { listen: { host: '127.0.0.1', port: 5432 }, port: 5432, maxHeld: 1, openKeepsAwake: false }, address: {} }, { provider: pve, ref });
  assert.equal(db.describe(), "the workload's address, port 5432 (learned when it wakes)");
  pve.setAddress('101', undefined);
  await assert.rejects(db.learn!(AbortSignal.timeout(1000)), /fake workload "101" has no IPv4 address yet/);
});
