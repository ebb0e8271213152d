// The PVE client against the API double over https on 127.0.0.1: TLS trust, auth failures, timeouts.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../kernel/index.ts';
import { ProviderError } from '../errors.ts';
import { PveDouble } from '../../../test/helpers/pve/index.ts';
import { PveClient, PveHttpError, type PveClientOptions } from './client.ts';
import { ProxmoxProvider } from './proxmox-provider.ts';

const TOKEN_ID = 'drowse@pve!proxy';
const SECRET = '8f1c6c1e-2b3a-4c5d-9e8f-0a1b2c3d4e5f';

async function double(t: TestContext): Promise<PveDouble> {
  const d = new PveDouble({ nodes: ['pve1', 'pve2'], tokens: [{ id: TOKEN_ID, secret: SECRET }] });
  await d.start();
  t.after(() => d.stop());
  return d;
}

function options(d: PveDouble, over: Partial<PveClientOptions> = {}): PveClientOptions {
  return { name: 'pve', url: d.url, tokenId: TOKEN_ID, tokenSecret: SECRET, tls: { ca: d.certs.caFile, insecure: false }, timeoutMs: 2000, ...over };
}

function client(t: TestContext, d: PveDouble, over: Partial<PveClientOptions> = {}): PveClient {
  const c = new PveClient(options(d, over));
  t.after(() => c.close());
  return c;
}

function provider(t: TestContext, d: PveDouble, over: Partial<PveClientOptions> = {}): ProxmoxProvider {
  const p = new ProxmoxProvider({ ...options(d, over), log: silentLogger() });
  t.after(() => p.close());
  return p;
}

/** Asserts a ProviderError with `reason` whose message matches `text` and never contains the secret. */
function providerError(reason: string, text: RegExp, hasCause = true) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    assert.match(err.message, text);
    assert.ok(!err.message.includes(SECRET), 'the secret is not in the message');
    assert.ok(!JSON.stringify(err, Object.getOwnPropertyNames(err)).includes(SECRET), 'nor anywhere in the error');
    if (hasCause) assert.ok(err.cause !== undefined, 'the cause is kept');
    return true;
  };
}

describe('PVE client TLS trust', () => {
  const trusted: [name: string, tls: (d: PveDouble) => PveClientOptions['tls']][] = [
    ['the cluster CA file', (d) => ({ ca: d.certs.caFile, insecure: false })],
    ['a pinned SHA-256 fingerprint of the node certificate', (d) => ({ fingerprint: d.certs.fingerprint, insecure: false })],
    ['a pinned fingerprint written in lower case without colons', (d) => ({ fingerprint: d.certs.fingerprint.replaceAll(':', '').toLowerCase(), insecure: false })],
    ['insecure, for this client only', () => ({ insecure: true })],
  ];
  for (const [name, tls] of trusted) {
    it(`reaches a node trusted by ${name}`, async (t) => {
      const d = await double(t);
      const version = await client(t, d, { tls: tls(d) }).get<{ version: string }>('/version');
      assert.equal(typeof version.version, 'string');
    });
  }

  it('refuses a node nobody vouched for, even after another client was told insecure', async (t) => {
    const d = await double(t);
    await client(t, d, { tls: { insecure: true } }).get('/version');
    await assert.rejects(provider(t, d, { tls: { insecure: false } }).list(), (err: unknown) => {
      providerError('config', /^proxmox provider "pve": list: TLS: unable to verify the first certificate \(.*providers\.proxmox\.pve\.ca\b.*providers\.proxmox\.pve\.fingerprint/)(err);
      const message = (err as Error).message;
      assert.doesNotMatch(message, /use-system-ca/, 'Node\'s advice about its own flags is not ours to give');
      assert.doesNotMatch(message, /\btls\.(ca|fingerprint)\b/, 'names the config keys as they are spelt');
      return true;
    });
  });

  it('refuses a node whose certificate is not the pinned one before sending the token, naming both fingerprints', async (t) => {
    const d = await double(t);
    const wrong = d.certs.fingerprint.split(':').map((b) => (b === 'AA' ? 'BB' : 'AA')).join(':');
    const before = d.requests.length;
    await assert.rejects(provider(t, d, { tls: { fingerprint: wrong, insecure: false } }).list(), (err: unknown) => {
      providerError('config', /fingerprint mismatch.*providers\.proxmox\.pve\.fingerprint/)(err);
      const message = (err as Error).message;
      assert.ok(message.includes(wrong.split(':').slice(0, 4).join(':')), `names the pinned one: ${message}`);
      assert.ok(message.includes(d.certs.fingerprint.toUpperCase().split(':').slice(0, 4).join(':')), `names the presented one: ${message}`);
      return true;
    });
    assert.equal(d.requests.length, before, 'no request reached the server');
  });

  it('an unreadable CA file is a configuration error at construction', async (t) => {
    const d = await double(t);
    assert.throws(() => new PveClient(options(d, { tls: { ca: '/nonexistent/pve-root-ca.pem', insecure: false } })), providerError('config', /^proxmox provider "pve": configure: cannot read providers\.proxmox\.pve\.ca "\/nonexistent\/pve-root-ca\.pem"/));
  });

  it('a fingerprint that is not 32 hex pairs is a configuration error', async (t) => {
    const d = await double(t);
    assert.throws(() => new PveClient(options(d, { tls: { fingerprint: 'AB:CD', insecure: false } })), providerError('config', /providers\.proxmox\.pve\.fingerprint "AB:CD"/, false));
  });
});

describe('PVE client authentication and answers', () => {
  it('a wrong secret fails naming the token id, never the secret', async (t) => {
    const d = await double(t);
    const p = provider(t, d, { tokenSecret: 'not-the-secret-0000' });
    await assert.rejects(p.list(), (err: unknown) => {
      providerError('denied', /^proxmox provider "pve": list: authentication failed for token drowse@pve!proxy: invalid token value!/)(err);
      assert.equal((err as ProviderError).statusCode, 401);
      assert.ok(!(err as Error).message.includes('not-the-secret-0000'));
      return true;
    });
  });

  it('a privilege the token lacks fails as permission denied with PVE\'s reason', async (t) => {
    const d = await double(t);
    d.addGuest({ vmid: 101, node: 'pve1' });
    d.failNext(1, 403, 'Permission check failed (/vms/101, VM.PowerMgmt)');
    await assert.rejects(provider(t, d).start({ provider: 'pve', id: '101', location: 'pve1' }), providerError('denied', /^proxmox provider "pve": start "101": permission denied for token drowse@pve!proxy: Permission check failed \(\/vms\/101, VM\.PowerMgmt\)/));
  });

  it('parameter problems of a 400 are carried', async (t) => {
    const d = await double(t);
    d.addGuest({ vmid: 101, node: 'pve1', status: 'running' });
    await assert.rejects(client(t, d).post('/nodes/pve1/lxc/101/status/shutdown', { timeout: -1, forceStop: false }), (err: unknown) => {
      assert.ok(err instanceof PveHttpError);
      assert.equal(err.status, 400);
      assert.match(err.reason, /Parameter verification failed/);
      assert.ok(err.errors.timeout, `the timeout parameter is named: ${JSON.stringify(err.errors)}`);
      return true;
    });
  });

  it('a slow answer times out with reason timeout', async (t) => {
    const d = await double(t);
    d.delay(1500);
    const started = Date.now();
    await assert.rejects(provider(t, d, { timeoutMs: 200 }).list(), providerError('timeout', /^proxmox provider "pve": list: PVE did not answer within 200ms/));
    assert.ok(Date.now() - started < 1200, 'gave up at its own deadline');
  });

  it('the caller\'s signal ends a request as aborted', async (t) => {
    const d = await double(t);
    d.delay(1500);
    await assert.rejects(provider(t, d).list(AbortSignal.timeout(100)), providerError('aborted', /aborted by the caller/));
  });

  it('a server that is not there is unreachable', async (t) => {
    const d = await double(t);
    const p = provider(t, d);
    await d.stop();
    await assert.rejects(p.list(), providerError('unreachable', /^proxmox provider "pve": list: PVE unreachable: .*ECONNREFUSED/));
  });
});
