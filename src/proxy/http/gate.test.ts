import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_WAKE_DENY } from '../../config/index.ts';
import { deniedBy, pathMayWake } from './gate.ts';

const paths: Array<[string, readonly string[] | undefined, boolean]> = [
  ['/anything', undefined, true],
  ['/', ['/'], true],
  ['/other', ['/'], false],
  ['/wake', ['/wake'], true],
  ['/wake/', ['/wake'], false],
  ['/app/', ['/app/*'], true],
  ['/app/deep/er', ['/app/*'], true],
  ['/app', ['/app/*'], false],
  ['/application', ['/app*'], true],
  ['/x', ['/wake', '/x'], true],
];
for (const [path, endpoints, want] of paths) {
  test(`path ${path} with start_endpoint ${JSON.stringify(endpoints)} ${want ? 'may' : 'may not'} wake`, () => {
    assert.equal(pathMayWake(path, endpoints), want);
  });
}

const builtin = { deny: BUILTIN_WAKE_DENY.map((d) => d.toLowerCase()), allow: [] };
const agents: Array<[string, string | undefined, string | undefined]> = [
  ['Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'googlebot'],
  ['Bing', 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36', 'bingbot'],
  ['Slack unfurling a link', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'slackbot'],
  ['Discord unfurling a link', 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)', 'discordbot'],
  ['Telegram', 'TelegramBot (like TwitterBot)', 'telegrambot'],
  ['Matrix Synapse previewing a URL', 'Synapse (bot; +https://github.com/matrix-org/synapse)', 'synapse'],
  ['a SignalR client of the app itself', 'Microsoft SignalR/8.0 (8.0.0; Linux; .NET; .NET 8.0.0)', undefined],
  ['Facebook', 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 'facebookexternalhit'],
  ['UptimeRobot', 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)', 'uptimerobot'],
  ['Uptime Kuma', 'Uptime-Kuma/1.23.11', 'uptime-kuma'],
  ['GPTBot', 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)', 'gptbot'],
  ['Chrome', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', undefined],
  ['headless Chromium scripted by its owner', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36', undefined],
  ['Firefox on Android', 'Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0', undefined],
  ['Safari on iPhone', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1', undefined],
  ['curl', 'curl/8.5.0', undefined],
  ['a client with no User-Agent', undefined, undefined],
];
for (const [who, ua, want] of agents) {
  // Several entries may match one agent (Telegram says "like TwitterBot"); any match denies.
  test(`the built-in wake_filter ${want ? 'denies' : 'lets through'} ${who}`, () => {
    const got = deniedBy(ua, builtin);
    if (want === undefined) assert.equal(got, undefined);
    else assert.ok(got !== undefined && ua?.toLowerCase().includes(got), `matched ${got}`);
  });
}

test('an allow entry lets a client through a deny match', () => {
  const filter = { deny: [...builtin.deny], allow: ['uptime-kuma'] };
  assert.equal(deniedBy('Uptime-Kuma/1.23.11', filter), undefined);
  assert.equal(deniedBy('UptimeRobot/2.0', filter), 'uptimerobot');
});

test('an empty deny list lets everyone through', () => {
  assert.equal(deniedBy('Googlebot/2.1', { deny: [], allow: [] }), undefined);
});

test('wake_filter entries are plain substrings: regex characters in them match only themselves', () => {
  const filter = { deny: ['a.b', 'x+', '(c)', 'd|e', 'f\\g'], allow: ['ok.bot'] };
  assert.equal(deniedBy('axb', filter), undefined);
  assert.equal(deniedBy('xxx', filter), undefined);
  assert.equal(deniedBy('c', filter), undefined);
  assert.equal(deniedBy('d', filter), undefined);
  assert.equal(deniedBy('Client A.B/1', filter), 'a.b');
  assert.equal(deniedBy('agent x+ 2', filter), 'x+');
  assert.equal(deniedBy('agent (C)', filter), '(c)');
  assert.equal(deniedBy('agent D|E', filter), 'd|e');
  assert.equal(deniedBy('agent f\\g', filter), 'f\\g');
  assert.equal(deniedBy('a.b via OK.Bot', filter), undefined, 'allow is matched case-insensitively too');
  assert.equal(deniedBy('a.b via okxbot', filter), 'a.b', 'and literally');
  assert.equal(deniedBy('', filter), undefined, 'an empty User-Agent is no match');
});

test('a filter is judged the same on every request (its compiled form is kept per filter)', () => {
  const a = { deny: ['bot'], allow: [] };
  const b = { deny: ['crawler'], allow: [] };
  for (let i = 0; i < 3; i++) {
    assert.equal(deniedBy('SomeBot', a), 'bot');
    assert.equal(deniedBy('SomeBot', b), undefined);
    assert.equal(deniedBy('a Crawler', b), 'crawler');
  }
});
