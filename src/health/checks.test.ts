import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { HealthConfig, ServiceConfig } from '../config/index.ts';
import type { OwnHealth } from './probe.ts';
import type { Provider } from '../provider/index.ts';
import { checksFor } from './checks.ts';

const base: ServiceConfig = {
  name: 'app', workload: { provider: 'local', id: 'app' }, http: { hosts: ['app.lan'], target: 'http://127.0.0.1:1' },
  dependsOn: [], idleTimeoutMs: 1, wakeTimeoutMs: 1, stopMethod: 'stop', stopSignal: 'SIGTERM', stopTimeoutMs: 1, releaseConcurrency: 8,
  loadingPage: true, wakeFilter: { deny: [], allow: [] },
};
const health = (probe?: HealthConfig['probe'], timeoutMs = 1000): HealthConfig => ({
  ...(probe ? { probe } : {}), timeoutMs, intervalMs: 1000, retries: 1, autoRestart: false, maxRestarts: 0, restartDelayMs: 0,
});
const ref = { provider: 'local', id: 'app' };
const signal = () => new AbortController().signal;

/** A provider whose workload reports `verdict` as its HEALTHCHECK and runs exec commands with `exitCode`. */
function fakeProvider(verdict: OwnHealth, exitCode = 0) {
  const execCalls: Array<{ ref: unknown; command: string[] }> = [];
  const statusCalls: unknown[] = [];
  const provider = {
    name: 'local',
    kind: 'docker',
    status: async (r: unknown) => {
      statusCalls.push(r);
      return { state: 'running', health: verdict, healthcheck: verdict !== undefined };
    },
    exec: async (r: unknown, command: readonly string[]) => {
      execCalls.push({ ref: r, command: [...command] });
      return { exitCode, output: exitCode === 0 ? '' : 'no response\n' };
    },
  } as unknown as Provider;
  return { provider, execCalls, statusCalls };
}

/** An HTTP app on 127.0.0.1 answering every request with `status`, recording the paths asked for. */
async function app(t: { after(fn: () => void): void }, status: number): Promise<{ port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, paths };
}

/** A port on 127.0.0.1 that refuses connections. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('without a named probe an http service is ready once its target answers http below 500', async (t) => {
  const up = await app(t, 404);
  const down = await app(t, 503);
  const { provider } = fakeProvider('healthy');
  const at = (port: number) => ({ ...base, http: { hosts: ['app.lan'], target: `http://127.0.0.1:${port}/base` } });
  await checksFor(at(up.port), provider, ref, 1000).readiness(signal());
  assert.deepEqual(up.paths, ['/base'], 'the probe asks for the target itself');
  await assert.rejects(checksFor(at(down.port), provider, ref, 1000).readiness(signal()), /status 503/);
  await assert.rejects(checksFor(at(await closedPort()), provider, ref, 1000).readiness(signal()), /ECONNREFUSED/);
});

test('without a named probe a tcp-only service is ready once its target accepts connections', async (t) => {
  const up = await app(t, 200);
  const { provider } = fakeProvider('healthy');
  const tcpOnly = (port: number): ServiceConfig => {
    const { http: _http, ...rest } = base;
    return { ...rest, tcp: { listen: { host: '127.0.0.1', port: 1 }, target: { host: '127.0.0.1', port }, maxHeld: 1, openKeepsAwake: true } } as ServiceConfig;
  };
  await checksFor(tcpOnly(up.port), provider, ref, 1000).readiness(signal());
  assert.deepEqual(up.paths, [], 'a tcp service is not asked for http');
  await assert.rejects(checksFor(tcpOnly(await closedPort()), provider, ref, 1000).readiness(signal()), /tcp 127\.0\.0\.1:\d+: ECONNREFUSED/);
});

test('a service with no traffic and no named probe is ready as soon as it runs', async () => {
  const { http: _http, ...rest } = base;
  const { provider, statusCalls } = fakeProvider('unhealthy');
  await checksFor(rest as ServiceConfig, provider, ref, 1000).readiness(signal());
  assert.equal(statusCalls.length, 0, 'nothing is asked of the workload');
});

test('without a named probe the workload HEALTHCHECK is offered, and it passes only on healthy', async () => {
  for (const sc of [base, { ...base, health: health() }]) {
    const healthy = fakeProvider('healthy');
    await checksFor(sc, healthy.provider, ref, 1000).ownHealth?.(signal());
    assert.deepEqual(healthy.statusCalls, [ref], 'the verdict is read from this workload');
    await assert.rejects(checksFor(sc, fakeProvider('unhealthy').provider, ref, 1000).ownHealth!(signal()), /HEALTHCHECK: unhealthy/);
    await assert.rejects(checksFor(sc, fakeProvider('starting').provider, ref, 1000).ownHealth!(signal()), /HEALTHCHECK: starting/);
  }
});

test('a probe named in health decides alone: no HEALTHCHECK is offered besides it', async () => {
  const { provider, execCalls } = fakeProvider('unhealthy');
  const checks = checksFor({ ...base, health: health({ kind: 'exec', command: ['pg_isready', '-q'] }) }, provider, ref, 1000);
  assert.equal(checks.ownHealth, undefined);
  await checks.readiness(signal());
  assert.deepEqual(execCalls, [{ ref, command: ['pg_isready', '-q'] }], 'the exec probe runs in this workload through the provider');
});

test('an exec probe fails when the command exits non-zero, with the exit code and last output line', async () => {
  const { provider } = fakeProvider('healthy', 2);
  const checks = checksFor({ ...base, health: health({ kind: 'exec', command: ['pg_isready'] }) }, provider, ref, 1000);
  await assert.rejects(checks.readiness(signal()), /exec pg_isready: exit code 2 \(no response\)/);
});

test('health: docker reads the workload verdict: healthy passes, anything else fails', async () => {
  const healthy = fakeProvider('healthy');
  await checksFor({ ...base, health: health({ kind: 'docker' }) }, healthy.provider, ref, 1000).readiness(signal());
  assert.deepEqual(healthy.statusCalls, [ref]);
  const docker = (v: OwnHealth) => checksFor({ ...base, health: health({ kind: 'docker' }) }, fakeProvider(v).provider, ref, 1000).readiness(signal());
  await assert.rejects(docker('unhealthy'), /HEALTHCHECK: unhealthy/);
  await assert.rejects(docker(undefined), /defines none/);
});

test('an http probe in health asks for its path on the service target and honours expect', async (t) => {
  const server = await app(t, 302);
  const { provider } = fakeProvider('healthy');
  const sc = (expect?: Array<[number, number]>): ServiceConfig => ({
    ...base,
    http: { hosts: ['app.lan'], target: `http://127.0.0.1:${server.port}/ignored` },
    health: health({ kind: 'http', path: '/healthz?deep=1', ...(expect ? { expect } : {}) } as HealthConfig['probe']),
  });
  await checksFor(sc(), provider, ref, 1000).readiness(signal());
  assert.deepEqual(server.paths, ['/healthz?deep=1']);
  await assert.rejects(checksFor(sc([[200, 299]]), provider, ref, 1000).readiness(signal()), /status 302/);
});

test('an http or tcp probe on a tcp-only service goes to the tcp target', async (t) => {
  const server = await app(t, 200);
  const { provider } = fakeProvider('healthy');
  const { http: _http, ...rest } = base;
  const tcp = { listen: { host: '127.0.0.1', port: 1 }, target: { host: '127.0.0.1', port: server.port }, maxHeld: 1, openKeepsAwake: true };
  await checksFor({ ...rest, tcp, health: health({ kind: 'http', path: '/ping' } as HealthConfig['probe']) } as ServiceConfig, provider, ref, 1000).readiness(signal());
  assert.deepEqual(server.paths, ['/ping']);
  await checksFor({ ...rest, tcp, health: health({ kind: 'tcp' }) } as ServiceConfig, provider, ref, 1000).readiness(signal());
  const refused = { ...tcp, target: { host: '127.0.0.1', port: await closedPort() } };
  await assert.rejects(checksFor({ ...rest, tcp: refused, health: health({ kind: 'tcp' }) } as ServiceConfig, provider, ref, 1000).readiness(signal()), /ECONNREFUSED/);
});

test('an http or tcp probe on a service with no target is refused when the service is built', () => {
  const { http: _http, ...rest } = base;
  const { provider } = fakeProvider('healthy');
  assert.throws(() => checksFor({ ...rest, health: health({ kind: 'http', path: '/' } as HealthConfig['probe']) } as ServiceConfig, provider, ref, 1000), /service "app": an http probe needs an http or tcp target/);
  assert.throws(() => checksFor({ ...rest, health: health({ kind: 'tcp' }) } as ServiceConfig, provider, ref, 1000), /service "app": a tcp probe needs an http or tcp target/);
});

test('an exec probe on a provider that cannot exec is refused when the service is built', () => {
  const noExec = { ...fakeProvider('healthy').provider, exec: undefined } as unknown as Provider;
  assert.throws(() => checksFor({ ...base, health: health({ kind: 'exec', command: ['true'] }) }, noExec, ref, 1000), /service "app": provider "local" cannot run exec probes/);
});

test('a tcp probe on an http service connects to the target host and port, IPv6 brackets and all', async (t) => {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const { provider } = fakeProvider('healthy');
  const sc = (target: string): ServiceConfig => ({ ...base, http: { hosts: ['app.lan'], target }, health: health({ kind: 'tcp' }) });
  await checksFor(sc(`http://[::1]:${port}`), provider, ref, 1000).readiness(signal());
  // Closed on ::1 itself: a port free on 127.0.0.1 may be in use on ::1 by a test running beside this one.
  const gone = net.createServer();
  await new Promise<void>((resolve) => gone.listen(0, '::1', resolve));
  const closed = (gone.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => gone.close(() => resolve()));
  await assert.rejects(checksFor(sc(`http://[::1]:${closed}`), provider, ref, 1000).readiness(signal()), /tcp ::1:\d+: ECONNREFUSED/);
});
