import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor, REDACTED } from './redact.ts';

test('a secret is replaced in plain text, URLs and JSON', () => {
  const r = new Redactor(['s3cr3t value/"x"']);
  assert.equal(r.redact('token s3cr3t value/"x" end'), `token ${REDACTED} end`);
  assert.equal(r.redact(`GET ${new URL('http://a/fail?key=s3cr3t value/"x"').href}`), `GET http://a/fail?key=${REDACTED}`);
  assert.equal(r.redact(`http://a/${encodeURIComponent('s3cr3t value/"x"')}`), `http://a/${REDACTED}`);
  assert.equal(r.redact(JSON.stringify({ reason: 'key=s3cr3t value/"x"' })), JSON.stringify({ reason: `key=${REDACTED}` }));
  assert.equal(r.redact(JSON.stringify({ url: new URL('http://a/p?k=s3cr3t value/"x"').href })).includes('s3cr3t'), false);
});

test('the longer of two overlapping secrets is replaced whole', () => {
  const r = new Redactor(['abcd', 'abcdefgh']);
  assert.equal(r.redact('x abcdefgh y abcd'), `x ${REDACTED} y ${REDACTED}`);
});

test('values too short to be secrets are left alone, and nothing is changed without secrets', () => {
  const r = new Redactor(['1', 'on']);
  assert.equal(r.empty, true);
  assert.equal(r.redact('on 2026-11-01T10:00:01Z'), 'on 2026-11-01T10:00:01Z');
  const later = new Redactor();
  later.add(['hunter22']);
  assert.equal(later.redact('pw=hunter22'), `pw=${REDACTED}`);
});

test('regular expression characters in a secret are matched literally', () => {
  const r = new Redactor(['a.b*c']);
  assert.equal(r.redact('a.b*c aXbbbc'), `${REDACTED} aXbbbc`);
});
