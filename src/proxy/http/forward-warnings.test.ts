/**
 * A dead upstream's warning is rate-limited per service, so one broken service never hides
 * another's in the log. Loopback only; found untested by mutation testing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { capturingLogger, closedPort } from '../../../test/helpers/fakes/index.ts';
import { Forwarder } from './forward.ts';

interface After { after(fn: () => unknown): void }

/** A front server forwarding every request to the port in x-test-upstream, as the service in x-test-service. */
async function front(t: After, fw: Forwarder) {
  const server = http.createServer((req, res) => {
    const service = String(req.headers['x-test-service'] ?? 'web');
    fw.web(req, res, { service, target: new URL(`http://127.0.0.1:${String(req.headers['x-test-upstream'])}`), path: req.url ?? '/' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    fw.close();
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

/** GETs over `agent`. */
function get(port: number, agent: http.Agent, headers: http.OutgoingHttpHeaders): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent, headers, signal: AbortSignal.timeout(5_000) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

test('a dead upstream\'s warning is limited per service: another service\'s failure is still written', { timeout: 10_000 }, async (t) => {
  const { log, lines } = capturingLogger();
  const port = await front(t, new Forwarder(log));
  const dead = await closedPort();
  const agent = new http.Agent({ keepAlive: false });
  t.after(() => agent.destroy());
  for (const service of ['web', 'web', 'wiki']) {
    const res = await get(port, agent, { 'x-test-upstream': dead, 'x-test-service': service });
    assert.equal(res.status, 502);
  }
  const warned = lines.filter((l) => l['msg'] === 'upstream request failed').map((l) => l['service']);
  assert.deepEqual(warned, ['web', 'wiki']);
});
