// Reading UPIDs and task exit statuses.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { taskSucceeded, taskType, upidNode } from './tasks.ts';

describe('PVE tasks', () => {
  it('a UPID names its node and task type', () => {
    const upid = 'UPID:pve1:000A1B2C:0123ABCD:6561F0A0:vzstart:101:drowse@pve!proxy:';
    assert.equal(upidNode(upid), 'pve1');
    assert.equal(taskType(upid), 'vzstart');
    assert.equal(upidNode('not a upid'), undefined);
  });

  const cases: [exitstatus: string, ok: boolean][] = [
    ['OK', true],
    ['WARNINGS: 2', true],
    ['WARNINGS: 12', true],
    ['CT 101 already running', false],
    ['CT is locked (backup)', false],
    ['command \'lxc-stop -n 101 --nokill --timeout 5\' failed: exit code 1', false],
    ['', false],
  ];
  for (const [exitstatus, ok] of cases) {
    it(`exitstatus "${exitstatus}" is ${ok ? 'a success' : 'a failure'}`, () => assert.equal(taskSucceeded(exitstatus), ok));
  }
});
