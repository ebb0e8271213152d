// The client's sockets: a TLS handshake that never ends must not leave a socket behind, and close()
// ends every connection, pending or kept alive.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { silentLogger } from '../../kernel/index.ts';
import { waitFor } from '../../../test/helpers/fakes/index.ts';
import { PveClient, PveTimeoutError, type PveClientOptions } from './client.ts';
import { ProxmoxProvider } from './proxmox-provider.ts';

const FINGERPRINT = Array.from({ length: 32 }, () => 'AB').join(':');

/** A TCP server on 127.0.0.1 that accepts and never says a word (a TLS handshake that stalls). */
async function blackHole(t: TestContext): Promise<{ url: string; open: () => number }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.resume(); // read, so the client's FIN is seen
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return { url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`, open: () => sockets.size };
}

function options(url: string, timeoutMs: number): PveClientOptions {
  return { name: 'pve', url, tokenId: 'drowse@pve!proxy', tokenSecret: 'secret', tls: { fingerprint: FINGERPRINT, insecure: false }, timeoutMs };
}

describe('PVE client sockets', () => {
  it('requests to a pinned node whose TLS handshake stalls time out and leave no socket open', async (t) => {
    const hole = await blackHole(t);
    const client = new PveClient(options(hole.url, 150));
    t.after(() => client.close());
    for (let i = 0; i < 3; i++) await assert.rejects(client.get('/version'), PveTimeoutError);
    client.close();
    await waitFor(() => hole.open() === 0, { timeoutMs: 1000, message: `no socket left open (${hole.open()} open)` });
  });

  it('provider close() ends handshakes still pending, and may be called again', async (t) => {
    const hole = await blackHole(t);
    const provider = new ProxmoxProvider({ ...options(hole.url, 10_000), log: silentLogger() });
    const pending = [provider.list(), provider.list(), provider.list()].map((p) => p.then(() => 'answered', () => 'failed'));
    await waitFor(() => hole.open() === 3, { timeoutMs: 2000, message: 'three connections' });
    provider.close();
    provider.close();
    await waitFor(() => hole.open() === 0, { timeoutMs: 1000, message: `no socket left open (${hole.open()} open)` });
    assert.deepEqual(await Promise.all(pending), ['failed', 'failed', 'failed'], 'the requests end rather than hang');
  });
});
