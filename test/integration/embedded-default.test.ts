/**
 * The quick start with nothing written: `drowse` with no config file at all serves every labelled
 * container of the local engine on :8080 (CONTRACT §1, the embedded default).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SYSTEM_CONFIG_PATH } from '../../src/config/index.ts';
import { request, requireDocker, runContainer, containerState, freePort, waitFor, waitForPort } from '../helpers/index.ts';

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

test('with no config file, drowse serves a labelled container of the local engine on :8080 and wakes it', { timeout: 60_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  assert.ok(!existsSync(SYSTEM_CONFIG_PATH), `${SYSTEM_CONFIG_PATH} exists on this machine; the embedded default is only used without it`);
  const port = await freePort();
  const host = `quick-${randomBytes(4).toString('hex')}.test`;
  const app = await runContainer(t, {
    app: 'http-app.js',
    env: { PORT: String(port) },
    start: false,
    labels: { 'drowse.enable': 'true', 'drowse.http.host': host, 'drowse.http.port': String(port) },
  });
  const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-quick-'));
  t.after(() => fs.rm(cwd, { recursive: true, force: true }));
  const child = spawn(process.execPath, [main], { cwd, env: { ...process.env, DROWSE_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  t.after(async () => {
    if (child.exitCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
  });

  await waitForPort(8080, 20_000).catch((err: unknown) => {
    throw new Error(`drowse did not listen on :8080; its output:\n${output}`, { cause: err });
  });
  assert.match(output, /using the embedded default/);
  const res = await waitFor(async () => {
    const r = await request({ port: 8080, host, path: '/quick' });
    return r.status === 200 ? r : undefined;
  }, { timeoutMs: 20_000, message: `a 200 from the labelled container; drowse said:\n${output}` });

  assert.equal(res.json<{ url: string }>().url, '/quick');
  assert.equal(await containerState(app), 'running');
});
