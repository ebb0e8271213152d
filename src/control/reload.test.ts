import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createLogger } from '../kernel/index.ts';
import { ControlServer, type ControlBackend } from './server.ts';

const log = createLogger({ level: 'silent', format: 'json' }, process.stderr);
const base: ControlBackend = {
  status: () => ({}),
  wake: () => Promise.resolve({}),
  sleep: () => ({}),
  hasService: () => false,
  metrics: () => Promise.resolve({ contentType: 'text/plain', body: '' }),
};

async function serve(t: { after(fn: () => Promise<void>): void }, backend: ControlBackend): Promise<number> {
  const server = new ControlServer({ listen: { host: '127.0.0.1', port: 0 }, token: 'tok', backend, log });
  await server.start();
  t.after(() => server.stop());
  return Number(server.where().split(':').pop());
}

function send(port: number, method: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    http.request({ host: '127.0.0.1', port, method, path, headers: { authorization: 'Bearer tok' }, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    }).on('error', reject).end();
  });
}

test('POST /reload runs the backend\'s reload and answers what it resolved with', { timeout: 10_000 }, async (t) => {
  let calls = 0;
  const port = await serve(t, { ...base, reload: async () => ({ changed: ['web'], calls: ++calls }) });
  assert.deepEqual(await send(port, 'POST', '/reload'), { status: 200, body: { changed: ['web'], calls: 1 } });
  const get = await send(port, 'GET', '/reload');
  assert.equal(get.status, 405, 'a reload is a POST');
  assert.equal(calls, 1);
});

test('a reload that is refused answers 422 with the reason and every problem, the old config still serving', { timeout: 10_000 }, async (t) => {
  const problems = [{ file: 'drowse.yaml', line: 3, col: 5, message: 'expected a duration' }];
  const port = await serve(t, { ...base, reload: () => Promise.reject(Object.assign(new Error('config drowse.yaml: 1 problem'), { problems })) });
  const res = await send(port, 'POST', '/reload');
  assert.equal(res.status, 422);
  assert.equal(res.body['error'], 'config drowse.yaml: 1 problem');
  assert.deepEqual(res.body['problems'], problems);
});

test('without a reload hook POST /reload is 501, not a 404', { timeout: 10_000 }, async (t) => {
  const port = await serve(t, base);
  const res = await send(port, 'POST', '/reload');
  assert.equal(res.status, 501);
  assert.match(String(res.body['error']), /cannot reload/);
});
