import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../wait.ts';
import { parseUpid, PveDouble, type PveDoubleOptions } from './index.ts';

interface Answer {
  readonly status: number;
  readonly reason: string;
  readonly body: { data: unknown; errors?: Record<string, string>; total?: number };
  readonly fingerprint: string;
}

/** One plain https call to a double, trusting its CA unless told otherwise. */
function call(d: PveDouble, method: string, path: string, opts: { form?: Record<string, string>; auth?: string | null; tls?: RequestOptions } = {}): Promise<Answer> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  const auth = opts.auth === undefined ? d.authorization() : opts.auth;
  return new Promise((resolve, reject) => {
    const req = request(`${d.url}/api2/json${path}`, {
      method,
      ca: readFileSync(d.certs.caFile),
      agent: false,
      signal: AbortSignal.timeout(3000),
      headers: { ...(auth !== null ? { authorization: auth } : {}), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...opts.tls,
    }, (res) => {
      // Read now: a kept-alive socket is handed back to its agent by the time the body ends.
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, reason: res.statusMessage ?? '', body: JSON.parse(text) as Answer['body'], fingerprint,
      }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const data = <T>(a: Answer): T => a.body.data as T;
const taskPath = (upid: string): string => `/nodes/${parseUpid(upid)!.node}/tasks/${encodeURIComponent(upid)}`;

async function taskEnd(d: PveDouble, upid: string, timeoutMs = 4000): Promise<{ status: string; exitstatus?: string }> {
  return waitFor(async () => {
    const s = data<{ status: string; exitstatus?: string }>(await call(d, 'GET', `${taskPath(upid)}/status`));
    return s.status === 'stopped' ? s : undefined;
  }, { timeoutMs, intervalMs: 20, message: `task ${upid} to stop` });
}

async function withDouble(opts: PveDoubleOptions, fn: (d: PveDouble) => Promise<void>): Promise<void> {
  const d = new PveDouble(opts);
  await d.start();
  try {
    await fn(d);
  } finally {
    await d.stop();
  }
}

describe('PveDouble', { timeout: 10_000 }, () => {
  const d = new PveDouble({
    nodes: ['pve1', 'pve2'],
    tokens: [
      { id: 'drowse@pve!proxy', secret: 's3cret' },
      { id: 'audit@pve!ro', secret: 'ro', privileges: ['VM.Audit'] },
      { id: 'narrow@pve!one', secret: 'one', vmids: [101] },
    ],
  });
  before(() => d.start());
  after(() => d.stop());

  test('TLS: a client trusting the CA file connects and sees the advertised fingerprint; one trusting nothing is refused', async () => {
    const ok = await call(d, 'GET', '/version');
    assert.equal(ok.status, 200);
    assert.deepEqual(data(ok), { version: '8.2.4', release: '8.2', repoid: 'faa83925' });
    assert.equal(ok.fingerprint, d.certs.fingerprint);
    assert.match(d.certs.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await assert.rejects(call(d, 'GET', '/version', { tls: { ca: undefined } }), (err: NodeJS.ErrnoException) => {
      assert.match(String(err.code), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED/);
      return true;
    });
  });

  test('auth: no or garbled header is "No ticket", a wrong secret or unknown token "invalid token value!"', async () => {
    for (const auth of [null, 'Bearer x', 'PVEAPIToken=nobang=x']) {
      const a = await call(d, 'GET', '/version', { auth });
      assert.deepEqual([a.status, a.reason, a.body], [401, 'No ticket', { data: null }], String(auth));
    }
    for (const auth of ['PVEAPIToken=drowse@pve!proxy=wrong', 'PVEAPIToken=ghost@pve!x=s3cret']) {
      const a = await call(d, 'GET', '/version', { auth });
      assert.deepEqual([a.status, a.reason], [401, 'invalid token value!'], auth);
    }
  });

  test('privileges: power needs VM.PowerMgmt (403 naming path and privilege); resources leave out guests without VM.Audit', async () => {
    d.addGuest({ vmid: 101, name: 'notes' });
    d.addGuest({ vmid: 102 });
    d.addGuest({ vmid: 100, type: 'qemu', name: 'vm' });
    try {
      const denied = await call(d, 'POST', '/nodes/pve1/lxc/101/status/start', { auth: 'PVEAPIToken=audit@pve!ro=ro' });
      assert.deepEqual([denied.status, denied.reason], [403, 'Permission check failed (/vms/101, VM.PowerMgmt)']);
      const narrowStatus = await call(d, 'GET', '/nodes/pve1/lxc/102/status/current', { auth: 'PVEAPIToken=narrow@pve!one=one' });
      assert.deepEqual([narrowStatus.status, narrowStatus.reason], [403, 'Permission check failed (/vms/102, VM.Audit)']);
      const narrow = data<{ id: string }[]>(await call(d, 'GET', '/cluster/resources?type=vm', { auth: 'PVEAPIToken=narrow@pve!one=one' }));
      assert.deepEqual(narrow.map((r) => r.id), ['lxc/101']);
      const all = data<{ id: string; type: string }[]>(await call(d, 'GET', '/cluster/resources'));
      assert.deepEqual(all.map((r) => r.id), ['node/pve1', 'node/pve2', 'qemu/100', 'lxc/101', 'lxc/102']);
      const qemu = await call(d, 'GET', '/nodes/pve1/lxc/100/status/current');
      assert.deepEqual([qemu.status, qemu.reason], [500, "Configuration file 'nodes/pve1/lxc/100.conf' does not exist"]);
    } finally {
      for (const id of [100, 101, 102]) d.removeGuest(id);
    }
  });

  test('start: the POST answers a UPID at once; the vzstart task runs, then stops OK and the CT is running', async () => {
    let up = 0;
    const g = d.addGuest({ vmid: 110, startMs: 150, onStart: () => { up++; } });
    try {
      const post = await call(d, 'POST', '/nodes/pve1/lxc/110/status/start');
      const upid = data<string>(post);
      const f = parseUpid(upid);
      assert.ok(f, upid);
      assert.deepEqual([f.node, f.type, f.id, f.user], ['pve1', 'vzstart', '110', 'drowse@pve!proxy']);
      assert.match(upid, /^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzstart:110:drowse@pve!proxy:$/);
      const running = data<Record<string, unknown>>(await call(d, 'GET', `${taskPath(upid)}/status`));
      assert.deepEqual([running.status, running.exitstatus, running.user, running.tokenid], ['running', undefined, 'drowse@pve', 'proxy']);
      assert.equal(data<{ status: string }>(await call(d, 'GET', '/nodes/pve1/lxc/110/status/current')).status, 'stopped');
      assert.deepEqual(await taskEnd(d, upid), { ...running, status: 'stopped', exitstatus: 'OK' });
      const cur = data<{ status: string; pid: number; ha: unknown }>(await call(d, 'GET', '/nodes/pve1/lxc/110/status/current'));
      assert.deepEqual([cur.status, typeof cur.pid, cur.ha], ['running', 'number', { managed: 0 }]);
      assert.deepEqual([g.status, g.starts, up], ['running', 1, 1]);
      const log = await call(d, 'GET', `${taskPath(upid)}/log`);
      assert.deepEqual(log.body, { data: [{ n: 1, t: 'TASK OK' }], total: 1 });
      assert.equal(d.requestsTo('POST', /\/lxc\/110\/status\/start$/).length, 1);
      const again = await call(d, 'POST', '/nodes/pve1/lxc/110/status/start');
      assert.deepEqual([again.status, again.reason], [500, 'CT 110 already running']);
      const other = await call(d, 'GET', `${taskPath(upid)}/status`, { auth: 'PVEAPIToken=audit@pve!ro=ro' });
      assert.deepEqual([other.status, other.reason], [403, 'Permission check failed (/nodes/pve1, Sys.Audit)']);
    } finally {
      d.removeGuest(110);
    }
  });

  test('a failing start ends with its error text as exitstatus and TASK ERROR in the log; the CT stays stopped', async () => {
    const g = d.addGuest({ vmid: 111, startMs: 0, exitstatusOnStart: 'startup for container 111 failed' });
    try {
      const upid = data<string>(await call(d, 'POST', '/nodes/pve1/lxc/111/status/start'));
      assert.equal((await taskEnd(d, upid)).exitstatus, 'startup for container 111 failed');
      assert.deepEqual(data(await call(d, 'GET', `${taskPath(upid)}/log`)), [{ n: 1, t: 'TASK ERROR: startup for container 111 failed' }]);
      assert.equal(g.status, 'stopped');
    } finally {
      d.removeGuest(111);
    }
  });

  test('shutdown of a CT that ignores it: forceStop=0 fails after the timeout and it keeps running; forceStop=1 kills it', async () => {
    const soft = d.addGuest({ vmid: 120, status: 'running', ignoresShutdown: true });
    const hard = d.addGuest({ vmid: 121, status: 'running', ignoresShutdown: true });
    try {
      const t0 = Date.now();
      const [a, b] = await Promise.all([
        call(d, 'POST', '/nodes/pve1/lxc/120/status/shutdown', { form: { timeout: '1', forceStop: '0' } }),
        call(d, 'POST', '/nodes/pve1/lxc/121/status/shutdown', { form: { timeout: '1', forceStop: '1' } }),
      ]);
      const [ea, eb] = await Promise.all([taskEnd(d, data(a)), taskEnd(d, data(b))]);
      assert.ok(Date.now() - t0 >= 950, 'the timeout is really waited');
      assert.equal(ea.exitstatus, "command 'lxc-stop -n 120 --nokill --timeout 1' failed: exit code 1");
      assert.equal(eb.exitstatus, 'OK');
      assert.deepEqual([soft.status, hard.status, soft.shutdowns, hard.shutdowns], ['running', 'stopped', 1, 1]);
      assert.deepEqual(d.requestsTo('POST', /\/lxc\/121\/status\/shutdown$/)[0]?.form, { timeout: '1', forceStop: '1' });
    } finally {
      d.removeGuest(120);
      d.removeGuest(121);
    }
  });

  test('a nice shutdown completes after shutdownMs; stop/shutdown of a stopped CT is refused "not running"', async () => {
    let down = 0;
    const g = d.addGuest({ vmid: 122, status: 'running', shutdownMs: 30, onStop: () => { down++; } });
    try {
      const upid = data<string>(await call(d, 'POST', '/nodes/pve1/lxc/122/status/shutdown'));
      assert.equal((await taskEnd(d, upid)).exitstatus, 'OK');
      assert.deepEqual([g.status, down, parseUpid(upid)?.type], ['stopped', 1, 'vzshutdown']);
      for (const action of ['shutdown', 'stop', 'suspend']) {
        const a = await call(d, 'POST', `/nodes/pve1/lxc/122/status/${action}`);
        assert.deepEqual([a.status, a.reason], [500, 'CT 122 not running'], action);
      }
    } finally {
      d.removeGuest(122);
    }
  });

  test('parameters: bad timeout/forceStop and unknown parameters are 400 with per-parameter errors', async () => {
    d.addGuest({ vmid: 130, status: 'running' });
    try {
      const a = await call(d, 'POST', '/nodes/pve1/lxc/130/status/shutdown', { form: { timeout: '-1', forceStop: '2', bogus: '1' } });
      assert.deepEqual([a.status, a.reason], [400, 'Parameter verification failed.']);
      assert.deepEqual(a.body, {
        data: null,
        errors: {
          timeout: 'value must have a minimum value of 0',
          forceStop: "type check ('boolean') failed - got '2'",
          bogus: 'property is not defined in schema and the schema does not allow additional properties',
        },
      });
      const b = await call(d, 'POST', '/nodes/pve1/lxc/130/status/shutdown', { form: { timeout: 'soon' } });
      assert.deepEqual(b.body.errors, { timeout: "type check ('integer') failed - got 'soon'" });
      const c = await call(d, 'GET', '/cluster/resources?type=vms');
      assert.deepEqual(c.body.errors, { type: "value 'vms' does not have a value in the enumeration 'vm, storage, node, sdn'" });
      const e = await call(d, 'GET', '/nodes/pve1/lxc/130/status/current?full=1');
      assert.equal(e.status, 400);
      assert.equal(d.guest(130).status, 'running', 'nothing ran');
    } finally {
      d.removeGuest(130);
    }
  });

  test('lock: actions fail in the task "CT is locked (backup)" while status and resources show the lock; lockFor clears it', async () => {
    const g = d.addGuest({ vmid: 140, lock: 'backup', startMs: 0 });
    try {
      assert.equal(data<{ lock?: string }>(await call(d, 'GET', '/nodes/pve1/lxc/140/status/current')).lock, 'backup');
      const res = data<{ vmid: number; lock?: string }[]>(await call(d, 'GET', '/cluster/resources?type=vm'));
      assert.equal(res.find((r) => r.vmid === 140)?.lock, 'backup');
      const upid = data<string>(await call(d, 'POST', '/nodes/pve1/lxc/140/status/start'));
      assert.equal((await taskEnd(d, upid)).exitstatus, 'CT is locked (backup)');
      assert.equal(g.status, 'stopped');
      g.lock = undefined;
      g.lockFor(100, 'snapshot');
      assert.equal(g.lock, 'snapshot');
      await waitFor(() => g.lock === undefined, { timeoutMs: 2000 });
      assert.equal(data<{ lock?: string }>(await call(d, 'GET', '/nodes/pve1/lxc/140/status/current')).lock, undefined);
      assert.equal((await taskEnd(d, data(await call(d, 'POST', '/nodes/pve1/lxc/140/status/start')))).exitstatus, 'OK');
    } finally {
      d.removeGuest(140);
    }
  });

  test('migrate: the old node answers "does not exist", the new one answers, resources name the new node', async () => {
    const g = d.addGuest({ vmid: 150 });
    try {
      await g.migrate('pve2');
      const old = await call(d, 'GET', '/nodes/pve1/lxc/150/status/current');
      assert.deepEqual([old.status, old.reason], [500, "Configuration file 'nodes/pve1/lxc/150.conf' does not exist"]);
      assert.equal((await call(d, 'GET', '/nodes/pve2/lxc/150/status/current')).status, 200);
      const res = data<{ vmid: number; node: string }[]>(await call(d, 'GET', '/cluster/resources?type=vm'));
      assert.equal(res.find((r) => r.vmid === 150)?.node, 'pve2');
      d.setNodeOnline('pve2', false);
      const off = await call(d, 'GET', '/nodes/pve2/lxc/150/status/current');
      assert.equal(off.status, 595);
      const res2 = data<{ vmid: number; status: string }[]>(await call(d, 'GET', '/cluster/resources?type=vm'));
      assert.equal(res2.find((r) => r.vmid === 150)?.status, 'unknown');
    } finally {
      d.setNodeOnline('pve2', true);
      d.removeGuest(150);
    }
  });

  test('suspend leaves the CT stopped and remembered; resume brings it back; resume of a CT never suspended fails in the task', async () => {
    let up = 0;
    const g = d.addGuest({ vmid: 160, status: 'running', shutdownMs: 0, startMs: 0, onStart: () => { up++; } });
    try {
      assert.equal((await taskEnd(d, data(await call(d, 'POST', '/nodes/pve1/lxc/160/status/suspend')))).exitstatus, 'OK');
      assert.deepEqual([g.status, g.suspended], ['stopped', true]);
      assert.equal((await taskEnd(d, data(await call(d, 'POST', '/nodes/pve1/lxc/160/status/resume')))).exitstatus, 'OK');
      assert.deepEqual([g.status, g.suspended, up], ['running', false, 1]);
      await g.setStopped();
      const failed = await taskEnd(d, data(await call(d, 'POST', '/nodes/pve1/lxc/160/status/resume')));
      assert.equal(failed.exitstatus, "command 'lxc-checkpoint -n 160 -r --foreground -D /var/lib/vz/dump' failed: exit code 1");
    } finally {
      d.removeGuest(160);
    }
  });

  test('interfaces: loopback addresses while running, no eth0 inet during addressDelayMs, 500 "not running" when stopped', async () => {
    const g = d.addGuest({ vmid: 170, status: 'running', addressDelayMs: 300 });
    try {
      const early = data<{ name: string; inet?: string }[]>(await call(d, 'GET', '/nodes/pve1/lxc/170/interfaces'));
      assert.deepEqual(early.map((i) => [i.name, i.inet]), [['lo', '127.0.0.1/8'], ['eth0', undefined]]);
      await waitFor(async () => data<{ inet?: string }[]>(await call(d, 'GET', '/nodes/pve1/lxc/170/interfaces'))[1]?.inet === '127.0.0.2/8', { timeoutMs: 2000 });
      await g.setStopped();
      const a = await call(d, 'GET', '/nodes/pve1/lxc/170/interfaces');
      assert.deepEqual([a.status, a.reason], [500, 'CT 170 not running']);
    } finally {
      d.removeGuest(170);
    }
  });

  test('tasks: an unknown UPID is 400 "no such task", garbage 400 "unable to parse worker upid"', async () => {
    const unknown = await call(d, 'GET', `/nodes/pve1/tasks/${encodeURIComponent('UPID:pve1:00000001:00000002:00000003:vzstart:999:x@pve!y:')}/status`);
    assert.deepEqual([unknown.status, unknown.body.errors], [400, { upid: 'no such task' }]);
    const garbage = await call(d, 'GET', '/nodes/pve1/tasks/nonsense/status');
    assert.deepEqual([garbage.status, garbage.body.errors], [400, { upid: 'unable to parse worker upid' }]);
  });

  test('routing: an unknown node is 500 hostname lookup, an unknown path 501 naming method and path', async () => {
    const node = await call(d, 'GET', '/nodes/ghost/lxc/101/status/current');
    assert.equal(node.status, 500);
    assert.match(node.reason, /^hostname lookup 'ghost' failed/);
    const path = await call(d, 'GET', '/nodes/pve1/lxc/101/status/start');
    assert.deepEqual([path.status, path.reason], [501, "Method 'GET /nodes/pve1/lxc/101/status/start' not implemented"]);
  });

  test('faults: failNext answers a burst then recovers; delay slows matching answers only', async () => {
    d.failNext(2, 503, 'Service Unavailable', { path: /\/version$/ });
    assert.deepEqual((await call(d, 'GET', '/cluster/resources')).status, 200);
    for (let i = 0; i < 2; i++) {
      const a = await call(d, 'GET', '/version');
      assert.deepEqual([a.status, a.reason, a.body], [503, 'Service Unavailable', { data: null }]);
    }
    assert.equal((await call(d, 'GET', '/version')).status, 200);
    d.delay(300, { path: /\/version$/ });
    const t0 = Date.now();
    await call(d, 'GET', '/version');
    assert.ok(Date.now() - t0 >= 290);
    d.delay(0, { path: /\/version$/ });
    d.dropNext(1);
    await assert.rejects(call(d, 'GET', '/version'), /socket hang up|ECONNRESET/);
  });
});

describe('PveDouble options', { timeout: 10_000 }, () => {
  test('lockedPostFails: the POST itself fails "500 CT 101 is locked (backup)"', () => withDouble({ lockedPostFails: true }, async (d) => {
    d.addGuest({ vmid: 101, lock: 'backup' });
    const a = await call(d, 'POST', '/nodes/pve1/lxc/101/status/start');
    assert.deepEqual([a.status, a.reason], [500, 'CT 101 is locked (backup)']);
    assert.equal(d.guest(101).starts, 0);
  }));

  test("wrongStateIn 'task': start of a running CT answers a UPID whose task fails \"already running\"", () => withDouble({ wrongStateIn: 'task' }, async (d) => {
    d.addGuest({ vmid: 101, status: 'running' });
    const upid = data<string>(await call(d, 'POST', '/nodes/pve1/lxc/101/status/start'));
    assert.equal((await taskEnd(d, upid)).exitstatus, 'CT 101 already running');
  }));

  test('a stop behind a running shutdown waits for the config lock; overrule-shutdown aborts the shutdown instead', () => withDouble({ configLockTimeoutMs: 200 }, async (d) => {
    const g = d.addGuest({ vmid: 101, status: 'running', ignoresShutdown: true, stopMs: 0 });
    const shut = data<string>(await call(d, 'POST', '/nodes/pve1/lxc/101/status/shutdown', { form: { timeout: '30' } }));
    const blocked = await taskEnd(d, data(await call(d, 'POST', '/nodes/pve1/lxc/101/status/stop')));
    assert.equal(blocked.exitstatus, "can't lock file '/run/lock/lxc/pve-config-101.lock' - got timeout");
    assert.equal(g.status, 'running');
    const stop = data<string>(await call(d, 'POST', '/nodes/pve1/lxc/101/status/stop', { form: { 'overrule-shutdown': '1' } }));
    assert.equal((await taskEnd(d, stop)).exitstatus, 'OK');
    assert.equal((await taskEnd(d, shut)).exitstatus, 'interrupted by signal');
    assert.equal(g.status, 'stopped');
  }));

  test('stop() closes kept-alive connections and is idempotent', async () => {
    const d = new PveDouble();
    await d.start();
    const { Agent } = await import('node:https');
    const agent = new Agent({ keepAlive: true });
    try {
      assert.equal((await call(d, 'GET', '/version', { tls: { agent } })).status, 200);
      await Promise.race([
        Promise.all([d.stop(), d.stop()]),
        new Promise((_, reject) => setTimeout(() => reject(new Error('stop() hung on a kept-alive connection')), 2000)),
      ]);
    } finally {
      agent.destroy();
    }
  });
});
