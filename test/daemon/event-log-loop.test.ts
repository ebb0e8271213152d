// The event log writer is one of the supervised loops /status lists: running while lines land, degraded while they cannot.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { request, waitFor } from '../helpers/index.ts';
import { fakeDrowse, upstream } from './harness.ts';

type Loops = { loops?: Array<{ name: string; state: string; last_error?: string; lastError?: string }> };
const loop = (status: object) => (status as Loops).loops?.find((l) => l.name === 'event log');

describe('daemon over a fake backend: the event log as a supervised loop', { timeout: 20_000 }, () => {
  it('is running while its lines are written', async (t) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-evloop-'));
    t.after(() => fs.rm(dir, { recursive: true, force: true }));
    const app = await upstream(t, 'app');
    const { drowse } = await fakeDrowse(t, `event_log: { path: ${path.join(dir, 'events.jsonl')} }\nservices:\n  app:\n    docker: { container: app }\n    http: { host: app.test, target: "${app.target}" }\n`, { workloads: { app: {} } });
    assert.equal((await request({ port: drowse.port, host: 'app.test', path: '/' })).status, 200);
    assert.equal(loop(drowse.daemon.status())?.state, 'running');
  });

  it('is degraded with its error while its file cannot be written', async (t) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-evloop-'));
    t.after(() => fs.rm(dir, { recursive: true, force: true }));
    const blocker = path.join(dir, 'not-a-dir');
    await fs.writeFile(blocker, 'x');
    const app = await upstream(t, 'app');
    const { drowse } = await fakeDrowse(t, `event_log: { path: ${path.join(blocker, 'events.jsonl')} }\nservices:\n  app:\n    docker: { container: app }\n    http: { host: app.test, target: "${app.target}" }\n`, { workloads: { app: {} } });
    await request({ port: drowse.port, host: 'app.test', path: '/' });
    const l = await waitFor(() => (loop(drowse.daemon.status())?.state === 'degraded' ? loop(drowse.daemon.status()) : undefined), { message: 'the event log loop degraded' });
    assert.match(String(l.last_error ?? l.lastError), /ENOTDIR|not a directory/i);
  });
});
