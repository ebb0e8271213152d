/**
 * A reserved route that streams (the SSE of /__drowse/events) keeps its answer open after the
 * entrypoint hands it over: drowse's own answers are not cut for being long. Loopback only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { silentLogger } from '../../kernel/index.ts';
import { FakeProxyService, type FakeSite } from '../../../test/helpers/fakes/index.ts';
import { HttpEntrypoint } from './server.ts';

/** A site whose /__drowse/events answer stays open until the test ends it. */
class StreamingSite implements Pick<FakeSite, 'sendLoadingPage' | 'reserved'> {
  stream: ServerResponse | undefined;
  sendLoadingPage(_req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200).end('loading');
  }
  reserved(_req: IncomingMessage, res: ServerResponse): 'answered' {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: first\n\n');
    this.stream = res;
    return 'answered';
  }
}

test('an event stream under /__drowse/ stays open after the first event, until the site ends it', { timeout: 10_000 }, async (t) => {
  const site = new StreamingSite();
  const service = new FakeProxyService('web');
  const ep = new HttpEntrypoint({
    host: '127.0.0.1', port: 0, site, log: silentLogger(),
    routes: [{ hosts: ['web.test'], service, target: new URL('http://127.0.0.1:9'), wakeTimeoutMs: 5_000, loadingPage: true, policy: { wakeFilter: { deny: [], allow: [] } } }],
  });
  await ep.start();
  t.after(() => ep.stop(100));
  const body = await new Promise<string>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: ep.address().port, path: '/__drowse/events', headers: { host: 'web.test' }, agent: false, signal: AbortSignal.timeout(5_000) }, (res) => {
      let got = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        got += c;
        // The second event is written only once the first has arrived: the stream outlived the hand-over.
        if (got === 'data: first\n\n') site.stream?.end('data: second\n\n');
      });
      res.on('error', reject);
      res.on('end', () => resolve(got));
    });
    req.on('error', reject);
  });
  assert.equal(body, 'data: first\n\ndata: second\n\n');
  assert.equal(service.wakes, 0, 'the stream never wakes the service');
});
