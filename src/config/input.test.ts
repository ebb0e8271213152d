/** What is refused before YAML sees the text: size, encoding, NUL and control characters (input.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeConfig, MAX_ALIAS_COUNT, MAX_CONFIG_BYTES, MAX_NESTING, sizeProblem, textProblems } from './input.ts';
import { formatProblem } from './problems.ts';

const MiB = 1024 * 1024;
const printed = (text: string) => textProblems(text, 'drowse.yaml').map(formatProblem);

test('the limits are 4 MiB of text, 64 levels of nesting and 100 alias uses', () => {
  assert.deepEqual([MAX_CONFIG_BYTES, MAX_NESTING, MAX_ALIAS_COUNT], [4 * MiB, 64, 100]);
});

test('a file of exactly the size limit is accepted; one byte more is refused', () => {
  assert.equal(sizeProblem(0), undefined);
  assert.equal(sizeProblem(4 * MiB), undefined);
  assert.equal(sizeProblem(4 * MiB + 1), 'the config file is 4.0 MiB; the limit is 4 MiB');
});

test('the size is shown with one decimal below 10 MiB and rounded from there', () => {
  assert.equal(sizeProblem(5.25 * MiB), 'the config file is 5.3 MiB; the limit is 4 MiB');
  assert.equal(sizeProblem(9.9 * MiB), 'the config file is 9.9 MiB; the limit is 4 MiB');
  assert.equal(sizeProblem(10 * MiB), 'the config file is 10 MiB; the limit is 4 MiB');
  assert.equal(sizeProblem(15.6 * MiB), 'the config file is 16 MiB; the limit is 4 MiB');
});

test('text over the limit in bytes is refused as a whole file even when it has fewer characters', () => {
  // 2 Mi + 1 characters of two bytes each: under the limit in characters, over it in bytes.
  const text = 'é'.repeat(2 * MiB + 1);
  assert.deepEqual(printed(text), ['drowse.yaml: the config file is 4.0 MiB; the limit is 4 MiB']);
  assert.deepEqual(textProblems(text, 'f.yaml')[0], { file: 'f.yaml', line: 0, col: 0, path: '', message: 'the config file is 4.0 MiB; the limit is 4 MiB' });
});

test('long text within the limit in bytes is not refused', () => {
  assert.deepEqual(printed('é'.repeat(2 * MiB)), []);
  assert.deepEqual(printed('#'.repeat(4 * MiB)), []);
});

test('tab, line feed and carriage return are text; every other C0 control and DEL is not', () => {
  assert.deepEqual(printed('a:\tb\r\nc: d\n \u0020~'), []);
  assert.deepEqual(printed('a: \u0008'), ['drowse.yaml:1:4: control character U+0008; a config file is text']);
  assert.deepEqual(printed('a: \u000b'), ['drowse.yaml:1:4: control character U+000B; a config file is text']);
  assert.deepEqual(printed('a: \u000c'), ['drowse.yaml:1:4: control character U+000C; a config file is text']);
  assert.deepEqual(printed('a: \u000e'), ['drowse.yaml:1:4: control character U+000E; a config file is text']);
  assert.deepEqual(printed('a: \u001f'), ['drowse.yaml:1:4: control character U+001F; a config file is text']);
  assert.deepEqual(printed('a: \u007f'), ['drowse.yaml:1:4: control character U+007F; a config file is text']);
  assert.deepEqual(printed('a: \u0080 \u00a0'), []);
});

test('a NUL byte gets its own words, at the first control character of the file', () => {
  assert.deepEqual(printed('\0'), ['drowse.yaml:1:1: a NUL byte; a config file is text']);
  assert.deepEqual(printed('a\u0001\0'), ['drowse.yaml:1:2: control character U+0001; a config file is text']);
});

test('the position of a control character counts lines and columns from 1', () => {
  assert.deepEqual(printed('a: 1\n\u0001'), ['drowse.yaml:2:1: control character U+0001; a config file is text']);
  assert.deepEqual(printed('a: 1\nb: 2\n\nc: x\u0002'), ['drowse.yaml:4:5: control character U+0002; a config file is text']);
  assert.deepEqual(printed('\n\n\u0003\n\n'), ['drowse.yaml:3:1: control character U+0003; a config file is text']);
});

test('UTF-8 text decodes as itself', () => {
  assert.deepEqual(decodeConfig(new TextEncoder().encode('a: café ✓\n'), 'f.yaml'), { text: 'a: café ✓\n' });
  assert.deepEqual(decodeConfig(new Uint8Array(), 'f.yaml'), { text: '' });
});

test('bytes that are not UTF-8 are a problem at the first bad byte, with the file named', () => {
  const bad = (text: string) => Buffer.from(text, 'latin1');
  assert.deepEqual(decodeConfig(bad('\xff'), 'f.yaml'), { problem: { file: 'f.yaml', line: 1, col: 1, path: '', message: 'the file is not valid UTF-8 here; save it as UTF-8' } });
  assert.deepEqual(decodeConfig(bad('a: 1\nb: \xe9\n'), 'f.yaml'), { problem: { file: 'f.yaml', line: 2, col: 4, path: '', message: 'the file is not valid UTF-8 here; save it as UTF-8' } });
  assert.deepEqual(decodeConfig(bad('\n\nxy\xe9 \xe9'), 'g.yaml'), { problem: { file: 'g.yaml', line: 3, col: 3, path: '', message: 'the file is not valid UTF-8 here; save it as UTF-8' } });
});
