import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HealthConfig, ServiceConfig } from '../config/index.ts';
import type { Provider } from '../provider/index.ts';
import { checksFor } from './checks.ts';

const base: ServiceConfig = {
  name: 'app', docker: { provider: 'local', container: 'app' }, http: { hosts: ['app.lan'], target: 'http://127.0.0.1:1' },
  dependsOn: [], idleTimeoutMs: 1, wakeTimeoutMs: 1, stopMethod: 'stop', stopSignal: 'SIGTERM', stopTimeoutMs: 1,
  loadingPage: true, wakeFilter: { deny: [], allow: [] },
};
const health = (probe?: HealthConfig['probe']): HealthConfig => ({
  ...(probe ? { probe } : {}), timeoutMs: 100, intervalMs: 1000, retries: 1, autoRestart: false, maxRestarts: 0, restartDelayMs: 0,
});
const ref = { provider: 'local', id: 'app' };
const execCalls: string[][] = [];
const provider = {
  name: 'local',
  kind: 'docker',
  status: async () => ({ state: 'running', health: 'healthy', healthcheck: true }),
  exec: async (_ref: unknown, command: readonly string[]) => {
    execCalls.push([...command]);
    return { exitCode: 0, output: '' };
  },
} as unknown as Provider;

test('without a named probe the workload HEALTHCHECK is offered alongside the default probe', () => {
  const checks = checksFor(base, provider, ref, 1000);
  assert.ok(checks.readiness);
  assert.ok(checks.ownHealth, 'the watcher may prefer the HEALTHCHECK');
  assert.ok(checksFor({ ...base, health: health() }, provider, ref, 1000).ownHealth, 'health without a probe still defers to HEALTHCHECK');
});

test('a probe named in health decides alone', async () => {
  const checks = checksFor({ ...base, health: health({ kind: 'exec', command: ['pg_isready', '-q'] }) }, provider, ref, 1000);
  assert.equal(checks.ownHealth, undefined);
  await checks.readiness(new AbortController().signal);
  assert.deepEqual(execCalls.at(-1), ['pg_isready', '-q'], 'the exec probe runs through the provider');
});

test('health: docker reads the workload verdict', async () => {
  const checks = checksFor({ ...base, health: health({ kind: 'docker' }) }, provider, ref, 1000);
  await checks.readiness(new AbortController().signal);
});

test('an exec probe on a provider that cannot exec is refused when the service is built', () => {
  const noExec = { ...provider, exec: undefined } as unknown as Provider;
  assert.throws(() => checksFor({ ...base, health: health({ kind: 'exec', command: ['true'] }) }, noExec, ref, 1000), /cannot run exec probes/);
});
