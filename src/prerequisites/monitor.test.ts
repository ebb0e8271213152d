import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prerequisites } from './monitor.ts';
import type { Finding, Prerequisite } from './prerequisite.ts';
import { ManualClock, capturingLogger, settle } from '../../test/helpers/fakes/index.ts';

const denied: Finding = { code: 'engine_permission_denied', severity: 'error', message: 'engine "local": connect EACCES', hint: 'add the drowse user to the docker group' };

test('a failed check is logged once with its code and hint, shown in status, and re-checked until it recovers', async () => {
  const clock = new ManualClock();
  const { log, lines } = capturingLogger();
  let finding: Finding | undefined = denied;
  let runs = 0;
  const engine: Prerequisite = { name: 'engine "local"', local: false, recovers: true, check: async () => { runs++; return finding; } };
  const fixed: Prerequisite = { name: 'open files', local: true, recovers: false, check: async () => ({ code: 'nofile_low', severity: 'warning', message: 'low', hint: 'raise LimitNOFILE' }) };
  const p = new Prerequisites({ checks: [engine, fixed], log, clock, recheckMs: 1000 });
  await p.run();
  assert.deepEqual(p.status().map((r) => [r.name, r.ok, r.code]), [['engine "local"', false, 'engine_permission_denied'], ['open files', false, 'nofile_low']]);
  const logged = lines.filter((l) => l['code'] === 'engine_permission_denied');
  assert.equal(logged.length, 1);
  assert.equal(logged[0]?.['hint'], 'add the drowse user to the docker group');
  assert.equal(lines.find((l) => l['code'] === 'nofile_low')?.['level'], 40, 'a warning is logged at warn');

  p.startRechecks();
  await settle();
  await clock.advance(1000);
  assert.equal(runs, 2, 'the recoverable check ran again');
  assert.equal(lines.filter((l) => l['code'] === 'engine_permission_denied').length, 1, 'the same failure is not logged again');
  finding = undefined;
  await clock.advance(1000);
  assert.equal(p.status()[0]?.ok, true);
  assert.ok(lines.some((l) => l['msg'] === 'prerequisite passes now'));
  await clock.advance(1000);
  assert.equal(runs, 3, 'a passing check is not run again');
  assert.equal(p.loopStatus().state, 'running');
  await p.stop();
  assert.equal(p.loopStatus().state, 'stopped');
});

test('a check that throws becomes a finding and the others still run', async () => {
  const { log } = capturingLogger();
  const p = new Prerequisites({
    checks: [
      { name: 'broken', local: true, recovers: false, check: () => Promise.reject(new Error('boom')) },
      { name: 'fine', local: true, recovers: false, check: async () => undefined },
    ],
    log,
  });
  const results = await p.run();
  assert.deepEqual(results.map((r) => [r.name, r.ok, r.code]), [['broken', false, 'check_failed'], ['fine', true, undefined]]);
});
