import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from './lines.ts';

/** Feeds chunks and collects every line, including the flushed tail. */
function split(chunks: (string | Buffer)[], max?: number): string[] {
  const s = new LineSplitter(max);
  const out = chunks.flatMap((c) => s.push(c));
  const rest = s.flush();
  return rest === undefined ? out : [...out, rest];
}

test('line splitter: cases', async (t) => {
  const cases: { name: string; chunks: (string | Buffer)[]; want: string[]; max?: number }[] = [
    { name: 'one chunk, one line', chunks: ['{"a":1}\n'], want: ['{"a":1}'] },
    { name: 'one chunk holding several lines', chunks: ['{"a":1}\n{"b":2}\n{"c":3}\n'], want: ['{"a":1}', '{"b":2}', '{"c":3}'] },
    { name: 'a line split over chunks', chunks: ['{"a"', ':1}', '\n'], want: ['{"a":1}'] },
    { name: 'a line end and the next line start in one chunk', chunks: ['{"a":1', '}\n{"b"', ':2}\n'], want: ['{"a":1}', '{"b":2}'] },
    { name: 'CRLF line ends', chunks: ['x\r\ny\r', '\n'], want: ['x', 'y'] },
    { name: 'empty lines are skipped', chunks: ['\n\nx\n\n'], want: ['x'] },
    { name: 'an unterminated tail comes out on flush', chunks: ['x\ny'], want: ['x', 'y'] },
    { name: 'a multi-byte character cut between chunks', chunks: [Buffer.from([0x22, 0xc3]), Buffer.from([0xa9, 0x22, 0x0a])], want: ['"é"'] },
    { name: 'an overlong line is dropped whole, the next one survives', chunks: ['0123456789', 'abcdef\nok\n'], want: ['ok'], max: 8 },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(split(c.chunks, c.max), c.want));
  }
});

test('line splitter: byte-at-a-time feeding gives the same lines as one chunk', () => {
  const text = '{"status":"start","Actor":{"Attributes":{"name":"wéb"}}}\n{"status":"die"}\n';
  const bytes = Buffer.from(text);
  const byByte = split([...bytes].map((b) => Buffer.from([b])));
  assert.deepEqual(byByte, split([text]));
  assert.equal(byByte.length, 2);
});
