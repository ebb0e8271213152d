import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseConfig, type DrowseConfig } from '../config/index.ts';
import type { Backend } from '../provider/index.ts';
import { ProviderError } from '../provider/index.ts';
import { prerequisitesOf, type CheckDeps } from './checks.ts';
import { engineFinding } from './engine.ts';

function config(yaml = '', http = '127.0.0.1:0'): DrowseConfig {
  const r = parseConfig(`entrypoints: { http: "${http}" }\n${yaml}`, 'test.yaml', {});
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

const none: CheckDeps = { backends: new Map(), limits: () => 'Max open files            65536                524288               files\n' };
const find = (cfg: DrowseConfig, deps: CheckDeps, name: string) => {
  const c = prerequisitesOf(cfg, deps).find((p) => p.name === name);
  assert.ok(c, `a check named ${name}`);
  return c;
};
const signal = new AbortController().signal;

const socketError = (code: string) => new ProviderError({ kind: 'docker', provider: 'local', op: 'list', reason: 'unreachable', detail: `engine unreachable: connect ${code} /var/run/docker.sock`, cause: Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code }) });

for (const [why, err, code, hint] of [
  ['a socket this user may not open', socketError('EACCES'), 'engine_permission_denied', /add the drowse user to the docker group/],
  ['a socket that does not exist', socketError('ENOENT'), 'engine_socket_missing', /is the Docker engine running/],
  ['an engine that refuses the connection', socketError('ECONNREFUSED'), 'engine_unreachable', /drowse keeps retrying/],
  ['a socket proxy that denies the listing', new ProviderError({ kind: 'docker', provider: 'local', op: 'list', reason: 'failed', detail: 'engine answered HTTP 403: forbidden', statusCode: 403 }), 'engine_forbidden', /socket proxy/],
  ['anything else', new Error('weird'), 'engine_failed', /retrying/],
] as const) {
  test(`an engine check failing on ${why} has code ${code} and a hint to act on`, () => {
    const f = engineFinding('local', err);
    assert.equal(f.code, code);
    assert.match(f.hint, hint);
    assert.match(f.message, /^engine "local": /);
    assert.equal(f.severity, 'error');
  });
}

test('an engine check lists the engine and passes when it answers, fails with the finding when not', async () => {
  const engine: { fail?: Error } = {};
  const backend = { provider: { list: async () => { if (engine.fail) throw engine.fail; return new Map(); } } } as unknown as Backend;
  const check = find(config(), { ...none, backends: new Map([['local', backend]]) }, 'engine "local"');
  assert.deepEqual([check.local, check.recovers], [false, true], 'run in the background and re-checked');
  assert.equal(await check.check(signal), undefined);
  engine.fail = socketError('EACCES');
  assert.equal((await check.check(signal))?.code, 'engine_permission_denied');
});

test("a backend's own advice wins over the general reading of its error, with the provider's message", async () => {
  const err = new ProviderError({ kind: 'proxmox', provider: 'pve', op: 'list', reason: 'denied', statusCode: 401, detail: 'authentication failed for token drowse@pve!proxy: invalid token value!' });
  const backend = { provider: { list: async () => { throw err; } }, advise: (e: unknown) => (e === err ? { code: 'proxmox_auth_failed', hint: 'check the token' } : undefined) } as unknown as Backend;
  const check = find(config(), { ...none, backends: new Map([['pve', backend]]) }, 'engine "pve"');
  assert.deepEqual(await check.check(signal), { code: 'proxmox_auth_failed', hint: 'check the token', severity: 'error', message: 'provider "pve": proxmox provider "pve": list: authentication failed for token drowse@pve!proxy: invalid token value!' });
});

test('an entrypoint port in use is found, with the key to change; a free one passes', async (t) => {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.after(() => holder.close());
  const port = (holder.address() as net.AddressInfo).port;
  const busy = find(config('', `127.0.0.1:${port}`), none, 'entrypoints.http');
  const f = await busy.check(signal);
  assert.equal(f?.code, 'port_in_use');
  assert.match(f?.message ?? '', new RegExp(`entrypoints.http 127.0.0.1:${port} is already in use`));
  holder.close();
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(await busy.check(signal), undefined, 'free once the holder is gone');
});

test('tcp listeners are checked like the http entrypoint, each under its own key', () => {
  const names = prerequisitesOf(config('services:\n  db:\n    docker: { container: db }\n    tcp: { listen: "127.0.0.1:15432", target: "127.0.0.1:5432" }\n', '127.0.0.1:18181'), none).map((p) => p.name);
  assert.ok(names.includes('entrypoints.http') && names.includes('services.db.tcp.listen'), names.join(', '));
});

test('the control socket directory passes when it can be created, fails under a file with the hint', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-prereq-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const ok = find(config(), { ...none, controlSocket: path.join(dir, 'a', 'b', 'control.sock') }, 'control socket directory');
  assert.equal(await ok.check(signal), undefined);
  await fs.writeFile(path.join(dir, 'file'), '');
  const bad = find(config(), { ...none, controlSocket: path.join(dir, 'file', 'sub', 'control.sock') }, 'control socket directory');
  const f = await bad.check(signal);
  assert.equal(f?.code, 'control_dir_unusable');
  assert.match(f?.hint ?? '', /RuntimeDirectory=drowse/);
  assert.equal(prerequisitesOf(config(), none).some((p) => p.name === 'control socket directory'), false, 'no socket, no check');
});

test('a low open-files limit is a warning that says to raise LimitNOFILE; a high or unlimited one passes', async () => {
  const at = (text: string) => find(config(), { ...none, limits: () => text }, 'open files').check(signal);
  const low = await at('Max open files            1024                 524288               files\n');
  assert.deepEqual([low?.code, low?.severity], ['nofile_low', 'warning']);
  assert.match(low?.hint ?? '', /raise LimitNOFILE/);
  assert.equal(await at('Max open files            65536                524288               files\n'), undefined);
  assert.equal(await at('Max open files            unlimited            unlimited            files\n'), undefined);
  assert.equal(await at(''), undefined, 'no /proc: nothing to say');
});

test('the event log directory is checked only when the config has an event log', async (t) => {
  assert.equal(prerequisitesOf(config(), none).some((p) => p.name === 'event log directory'), false);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-prereq-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  await fs.writeFile(path.join(dir, 'file'), '');
  const withLog = (file: string) => ({ ...config(), eventLog: { path: file } }) as DrowseConfig;
  assert.equal(await find(withLog(path.join(dir, 'logs', 'events.jsonl')), none, 'event log directory').check(signal), undefined);
  const f = await find(withLog(path.join(dir, 'file', 'events.jsonl')), none, 'event log directory').check(signal);
  assert.equal(f?.code, 'event_log_unwritable');
});
