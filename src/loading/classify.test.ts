import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { isPageNavigation, acceptsHtml } from './classify.ts';

const chromeAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7';
const firefoxAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

// Header sets as real clients send them (trimmed to what matters).
const cases: Array<[string, string, IncomingHttpHeaders, boolean]> = [
  ['Chrome opening a page', 'GET', { accept: chromeAccept, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-site': 'none', 'upgrade-insecure-requests': '1' }, true],
  ['Firefox opening a page', 'GET', { accept: firefoxAccept, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }, true],
  ['a browser without fetch metadata opening a page', 'GET', { accept: firefoxAccept }, true],
  ['a page navigation by HEAD', 'HEAD', { accept: chromeAccept, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }, true],
  ['an iframe navigation', 'GET', { accept: chromeAccept, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' }, true],
  ['curl', 'GET', { accept: '*/*', 'user-agent': 'curl/8.5.0' }, false],
  ['a client with no Accept', 'GET', {}, false],
  ['fetch() with the default Accept', 'GET', { accept: '*/*', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }, false],
  ['fetch() asking for text/html (htmx and friends)', 'GET', { accept: 'text/html', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'hx-request': 'true' }, false],
  ['XMLHttpRequest from an older library', 'GET', { accept: 'text/html, */*; q=0.01', 'x-requested-with': 'XMLHttpRequest' }, false],
  ['EventSource', 'GET', { accept: 'text/event-stream', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'cache-control': 'no-cache' }, false],
  ['a WebSocket upgrade', 'GET', { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13', 'sec-fetch-mode': 'websocket', 'sec-fetch-dest': 'websocket' }, false],
  ['an image', 'GET', { accept: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' }, false],
  ['a script', 'GET', { accept: '*/*', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' }, false],
  ['a stylesheet', 'GET', { accept: 'text/css,*/*;q=0.1', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'style' }, false],
  ['a form POST navigation', 'POST', { accept: chromeAccept, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'content-type': 'application/x-www-form-urlencoded' }, false],
  ['a JSON API client', 'GET', { accept: 'application/json' }, false],
  ['wget', 'GET', { accept: '*/*', 'user-agent': 'Wget/1.21.3' }, false],
];

for (const [name, method, headers, want] of cases) {
  test(`${name} ${want ? 'gets the loading page' : 'is held'}`, () => assert.equal(isPageNavigation(method, headers), want));
}

test('text/html refused with q=0 does not count as accepting HTML', () => {
  assert.equal(acceptsHtml('text/html;q=0, application/json'), false);
  assert.equal(acceptsHtml('TEXT/HTML; q=0.5'), true);
});
