import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { deferModules } from './defer-modules.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const loaded = (part: string): boolean => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes(part));

// This file's process is its own (node --test runs one per file): the stand-ins stay with it.
test('with the stand-ins in place, dockerode loads without ssh2 or gRPC, and the SSH transport still works when first called', async () => {
  assert.equal(deferModules(), 2, 'both files deferred');
  const { default: Docker } = await import('dockerode');
  assert.ok(new Docker({ socketPath: '/nonexistent.sock' }));
  assert.equal(loaded(`${path.sep}ssh2${path.sep}`), false, 'ssh2 is not loaded at start');
  assert.equal(loaded(`${path.sep}@grpc${path.sep}`), false, 'gRPC is not loaded at start');
  const ssh = createRequire(path.join(REPO, 'node_modules', 'docker-modem', 'lib', 'modem.js'))('./ssh') as (opt: object) => { createConnection: unknown };
  const agent = ssh({ host: '127.0.0.1', port: 1, username: 'nobody' });
  assert.equal(typeof agent.createConnection, 'function', 'the real transport answered the call: an agent that dials over SSH');
  assert.equal(loaded(`${path.sep}ssh2${path.sep}`), true, 'the first call loaded ssh2');
});

test('a file that is not installed, or already loaded, is left alone', () => {
  assert.equal(deferModules([{ from: 'dockerode', file: 'no-such-package/x.js' }, { from: 'no-such-package', file: 'y.js' }]), 0);
  assert.equal(deferModules([{ from: 'dockerode', file: 'dockerode/lib/docker.js' }]), 0, 'dockerode is loaded by the test above');
});

test('the drowse command defers them before anything else loads', { timeout: 30_000 }, () => {
  // NODE_DEBUG=module names every module Node loads, and which asked for it.
  const run = spawnSync(process.execPath, [path.join(REPO, 'src', 'main.ts'), '--version'], { env: { ...process.env, NODE_DEBUG: 'module' }, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr.slice(-2000));
  assert.match(run.stderr, /docker-modem/, 'the command loads dockerode');
  assert.doesNotMatch(run.stderr, /REQUEST ssh2 /, 'but not ssh2');
  assert.doesNotMatch(run.stderr, /REQUEST @grpc\/grpc-js /, 'nor gRPC');
});
