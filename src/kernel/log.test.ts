import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger } from './log.ts';
import { Redactor, REDACTED } from './redact.ts';

test('a log line never carries a secret, whether in a field, a message or an error', () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const log = createLogger({ level: 'info', format: 'json' }, out, new Redactor(['pa55word!']));
  log.warn({ url: 'http://127.0.0.1/fail?key=pa55word!', err: new Error('probe http://x/?k=pa55word! failed') }, 'wake failed pa55word!');
  assert.equal(text.includes('pa55word'), false, text);
  assert.equal(text.split(REDACTED).length - 1, 4, text);
  assert.doesNotThrow(() => JSON.parse(text), 'the line is still JSON');
});
