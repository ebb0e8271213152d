import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProviderError, type ProviderErrorReason } from '../provider/index.ts';
import { DependencyFailedError, WakeFailedError } from './errors.ts';
import { stopFailure, wakeFailure, WorkloadExitedError, WorkloadMissingError } from './failure.ts';

const providerError = (reason: ProviderErrorReason) => new ProviderError({ kind: 'docker', provider: 'local', op: 'start', ref: 'web-ctr', reason, detail: 'engine words' });

const cases: Array<[string, unknown, { code: string; notice: string; detail: string }]> = [
  ['a workload that exited with a code', new WorkloadExitedError('web-ctr', { exitCode: 3 }), { code: 'workload_exited', notice: 'web could not start: it exited with exit code 3 while waking', detail: 'wake failed: web-ctr exited with exit code 3 while waking' }],
  ['a workload that exited without a code', new WorkloadExitedError('web-ctr', {}), { code: 'workload_exited', notice: 'web could not start: it exited while waking', detail: 'wake failed: web-ctr exited while waking' }],
  ['a workload removed while waking', new WorkloadExitedError('web-ctr', { removed: true }), { code: 'workload_missing', notice: 'web could not start: it was removed while waking', detail: 'wake failed: web-ctr was removed while waking' }],
  ['a workload that does not exist', new WorkloadMissingError('docker workload "web-ctr" does not exist'), { code: 'workload_missing', notice: 'web could not start: its workload does not exist', detail: 'wake failed: docker workload "web-ctr" does not exist' }],
  ['a dependency that failed with a notice', new DependencyFailedError('db', new WakeFailedError('db', 'wake failed: db-ctr exited', { notice: 'db could not start: it exited while waking' })), { code: 'dependency_failed', notice: 'web could not start: dependency "db" failed: db could not start: it exited while waking', detail: 'wake failed: dependency "db" failed: wake failed: db-ctr exited' }],
  ['a dependency that failed otherwise', new DependencyFailedError('db', new Error('boom')), { code: 'dependency_failed', notice: 'web could not start: dependency "db" failed: it could not be woken', detail: 'wake failed: dependency "db" failed: boom' }],
  ['an engine that cannot be reached', providerError('unreachable'), { code: 'provider_unreachable', notice: 'web could not start: its provider did not answer', detail: 'wake failed: docker provider "local": start "web-ctr": engine words' }],
  ['a provider that refused the token', providerError('denied'), { code: 'provider_denied', notice: "web could not start: its provider refused drowse's credentials", detail: 'wake failed: docker provider "local": start "web-ctr": engine words' }],
  ['a provider drowse cannot use as configured', providerError('config'), { code: 'provider_misconfigured', notice: "web could not start: drowse's settings for its provider need fixing", detail: 'wake failed: docker provider "local": start "web-ctr": engine words' }],
  ['an engine that timed out', providerError('timeout'), { code: 'provider_unreachable', notice: 'web could not start: its provider did not answer', detail: 'wake failed: docker provider "local": start "web-ctr": engine words' }],
  ['an engine that says the container is gone', providerError('not_found'), { code: 'workload_missing', notice: 'web could not start: its workload does not exist', detail: 'wake failed: docker provider "local": start "web-ctr": engine words' }],
  ['an engine that refused otherwise', providerError('conflict'), { code: 'start_failed', notice: 'web could not start: starting it failed', detail: 'wake failed: docker provider "local": start "web-ctr": engine words' }],
  ['anything else thrown', 'a string', { code: 'start_failed', notice: 'web could not start: starting it failed', detail: 'wake failed: a string' }],
];

for (const [name, err, want] of cases) {
  test(`a failed wake from ${name} has its kind, a public notice without the workload, and the full detail`, () => {
    assert.deepEqual(wakeFailure('web', err), want);
    assert.equal(want.notice.includes('web-ctr') || want.notice.includes('engine words'), false);
  });
}

test('a wake that ran out of time says how long in public and what the last check saw in the detail', () => {
  assert.deepEqual(wakeFailure('web', new Error('x'), { budget: '2m', lastCheck: 'http http://127.0.0.1:9/h: status 503' }), {
    code: 'wake_timeout',
    notice: 'web did not become ready within 2m',
    detail: 'wake timed out after 2m (last check: http http://127.0.0.1:9/h: status 503)',
  });
  assert.equal(wakeFailure('web', new Error('x'), { budget: '5s' }).detail, 'wake timed out after 5s');
});

test('a failed stop names the method in the detail only', () => {
  assert.deepEqual(stopFailure('web', 'pause', new Error('engine said no')), { code: 'stop_failed', notice: 'web could not be put to sleep', detail: 'pause failed: engine said no' });
});

test('an exited workload keeps its exit code and whether it was removed', () => {
  const e = new WorkloadExitedError('w', { exitCode: 0 });
  assert.deepEqual([e.name, e.exitCode, e.removed, e.message, e.publicText], ['WorkloadExitedError', 0, false, 'w exited with exit code 0 while waking', 'it exited with exit code 0 while waking']);
  const cause = new Error('probe');
  assert.equal(new WorkloadExitedError('w', { removed: true }, { cause }).cause, cause);
  assert.equal(new WorkloadMissingError('m').name, 'WorkloadMissingError');
});
