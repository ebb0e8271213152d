/**
 * Reloading the config while it serves, against the real engine and with real file edits: the
 * services that did not change keep serving without a single failed request and keep their state,
 * a changed one takes its new route, a removed one answers 404 and its container is left running,
 * a new one is served, and a bad edit is refused with its position while the old config serves on.
 * SIGHUP reloads a real drowse process.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/kernel/index.ts';
import { Daemon } from '../../src/daemon.ts';
import { request, requireDocker, ensureTestImage, runContainer, containerState, freePort, waitFor, waitForPort, type Cleanup } from '../helpers/index.ts';

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

let image: string;
before(async () => {
  image = await ensureTestImage();
});

async function app(t: Cleanup, start: boolean) {
  const port = await freePort();
  const name = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port) }, start });
  return { name, port };
}

function service(name: string, host: string, a: { name: string; port: number }, extra = ''): string {
  return `  ${name}:\n    docker: { container: ${a.name} }\n    http: { host: ${host}, target: "http://127.0.0.1:${a.port}" }\n    idle_timeout: 1h\n${extra}`;
}

/** Writes the file the way editors that save atomically do: a new file renamed over the old. */
async function replaceFile(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, file);
}

test('a reload under load changes, adds and removes services, and the unchanged one fails no request and keeps its state', { timeout: 120_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const [a, b, c, d] = [await app(t, true), await app(t, true), await app(t, true), await app(t, false)];
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-reload-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'drowse.yaml');
  const head = `entrypoints: { http: "127.0.0.1:0" }\ncontrol: { socket: ${JSON.stringify(path.join(dir, 'control.sock'))} }\nlog: { level: silent }\nservices:\n`;
  await fs.writeFile(file, head + service('a', 'a.test', a) + service('b', 'b.test', b) + service('c', 'c.test', c));
  const loaded = await loadConfig({ file });
  assert.ok(loaded.ok);
  const daemon = new Daemon({ config: loaded.config, log: createLogger({ level: 'silent', format: 'json' }), version: 'test', probeTimeoutMs: 1000, load: () => loadConfig({ file }), watch: file });
  await daemon.start();
  t.after(() => daemon.stop());
  const port = daemon.httpAddress()?.port ?? 0;
  for (const host of ['a.test', 'b.test', 'c.test']) assert.equal((await request({ port, host, path: '/' })).status, 200);
  const before = daemon.service('a');
  assert.equal(before?.state, 'ready');

  // A bounded load on the service that does not change, for as long as the edits take.
  let done = false;
  const failures: string[] = [];
  let sent = 0;
  const load = Promise.all(Array.from({ length: 4 }, async () => {
    while (!done && sent < 4000) {
      sent++;
      const r = await request({ port, host: 'a.test', path: `/n/${sent}` }).catch((err: unknown) => ({ status: String(err) }));
      if (r.status !== 200) failures.push(String(r.status));
    }
  }));

  await replaceFile(file, head + service('a', 'a.test', a) + service('b', 'b2.test', b) + service('d', 'd.test', d));
  await waitFor(async () => (await request({ port, host: 'b2.test', path: '/' })).status === 200, { timeoutMs: 15_000, message: 'the changed service on its new host' });
  assert.equal((await request({ port, host: 'b.test', path: '/' })).status, 404, 'the changed service left its old host');
  assert.equal((await request({ port, host: 'c.test', path: '/' })).status, 404, 'the removed service is not routed');
  assert.equal((await request({ port, host: 'd.test', path: '/' })).status, 200, 'the new service is served, woken from sleep');

  // An edit in place that breaks the file: refused with its position, the old config serves on.
  await fs.writeFile(file, head + service('a', 'a.test', a, '    stop_method: nap\n') + service('b', 'b2.test', b) + service('d', 'd.test', d));
  const refused = await waitFor(() => {
    const r = (daemon.status() as { last_reload?: { ok: boolean; trigger: string; problems?: string[] } }).last_reload;
    return r && !r.ok ? r : undefined;
  }, { timeoutMs: 15_000, message: 'the bad edit to be refused' });
  assert.equal(refused.trigger, 'file');
  assert.match(refused.problems?.[0] ?? '', new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: services\\.a\\.stop_method: `));
  assert.equal((await request({ port, host: 'b2.test', path: '/' })).status, 200);

  done = true;
  await load;
  assert.ok(sent > 20, `the load ran (${sent} requests)`);
  assert.deepEqual(failures, [], `no request to the unchanged service failed (of ${sent})`);
  assert.equal(daemon.service('a'), before, 'the unchanged service is the same object, with its state and timers');
  assert.equal(await containerState(c.name), 'running', 'a removed service is left as it is, not stopped');
});

test('SIGHUP reloads a running drowse: a service added to the file is served without a restart', { timeout: 60_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const target = await app(t, true);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-hup-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'drowse.yaml');
  const port = await freePort();
  const head = `entrypoints: { http: "127.0.0.1:${port}" }\ncontrol: { socket: ${JSON.stringify(path.join(dir, 'control.sock'))} }\nservices:\n`;
  await fs.writeFile(file, head.replace('services:\n', 'services: {}\n'));
  const child = spawn(process.execPath, [main, 'serve', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DROWSE_CONFIG: '' } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  t.after(async () => {
    if (child.exitCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await gone;
  });
  await waitForPort(port, 15_000);
  await waitFor(() => output.includes('"msg":"drowse ready"'), { timeoutMs: 15_000, message: 'drowse to be ready' });
  await waitFor(async () => (await request({ port, host: 'hup.test', path: '/' }).catch(() => undefined))?.status === 404, { timeoutMs: 10_000 });

  // The file watch may notice the edit too; the log shows the reload SIGHUP asked for either way.
  await fs.writeFile(file, head + service('hup', 'hup.test', target));
  child.kill('SIGHUP');

  await waitFor(async () => (await request({ port, host: 'hup.test', path: '/' })).status === 200, { timeoutMs: 15_000, message: 'the added service' }).catch((err: unknown) => {
    throw new Error(`${String(err)}\ndrowse said:\n${output}`, { cause: err });
  });
  assert.equal(child.exitCode, null, 'SIGHUP does not end drowse');
  assert.match(output, /"trigger":"signal"[^\n]*"msg":"reloading the config"|"msg":"reloading the config"[^\n]*"trigger":"signal"/);
});
