// A failed wake keeps its cause from the provider to the HTTP answer and the control API: a
// client can tell an unreachable backend from a timeout, the operator sees the backend's words.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { controlRequest, ControlClientError } from '../../src/control/index.ts';
import { ProviderError } from '../../src/provider/index.ts';
import { request } from '../helpers/index.ts';
import { fakeDrowse, upstream } from './harness.ts';

const yaml = (target: string, extra = '') => `services:\n  app:\n    docker: { container: app }\n    http: { host: app.test, target: "${target}" }\n${extra}`;
const unreachable = () => new ProviderError({ kind: 'fake', provider: 'local', op: 'start', ref: 'app', reason: 'unreachable', detail: 'connect ENOENT /var/run/fake.sock' });

describe('daemon over a fake backend: failures keep their cause', { timeout: 20_000 }, () => {
  it('an unreachable backend and a wake that times out get 503s a client can tell apart', async (t) => {
    const app = await upstream(t, 'app');
    const down = await fakeDrowse(t, yaml(app.target), { workloads: { app: { failStart: unreachable() } } });
    const a = await request({ port: down.drowse.port, host: 'app.test', path: '/', headers: { accept: 'application/json' } });
    assert.equal(a.status, 503);
    assert.deepEqual([a.json<{ code: string }>().code, a.json<{ detail: string }>().detail], ['provider_unreachable', 'app could not start: its provider did not answer']);
    assert.equal(a.body.includes('ENOENT'), false, 'the engine error stays with the operator');

    const slow = await fakeDrowse(t, yaml('http://127.0.0.1:9', '    wake_timeout: 300ms\n    health: { timeout: 100ms }\n'), { workloads: { app: {} } });
    const b = await request({ port: slow.drowse.port, host: 'app.test', path: '/', headers: { accept: 'application/json' } });
    assert.equal(b.status, 503);
    assert.notEqual(b.json<{ code?: string }>().code, 'provider_unreachable');
  });

  it('the control API\'s wake answers with the kind of failure and the backend\'s own words', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse } = await fakeDrowse(t, yaml(app.target), { workloads: { app: { failStart: unreachable() } } });
    const err = await controlRequest({ socket: drowse.controlSocket }, 'POST', '/services/app/wake').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ControlClientError, String(err));
    assert.equal(err.status, 503);
    const body = await new Promise<{ code?: string; causes?: string[]; error: string }>((resolve, reject) => {
      http.request({ socketPath: drowse.controlSocket, path: '/services/app/wake', method: 'POST' }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(JSON.parse(text) as { code?: string; causes?: string[]; error: string }));
      }).on('error', reject).end();
    });
    assert.equal(body.code, 'provider_unreachable');
    assert.match(body.causes?.[0] ?? '', /^fake provider "local": start "app": connect ENOENT/, 'the backend\'s error is the cause');
  });
});
