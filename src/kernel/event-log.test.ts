import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EventLogWriter, type EventLogWriterOptions } from './event-log.ts';
import { silentLogger } from './log.ts';
import type { Clock } from './clock.ts';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-evlog-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Each reading is one second after the last, so every rotation gets its own name. */
function steppingClock(start = Date.now()): Clock {
  let t = start;
  return { now: () => (t += 1000), setTimeout, clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
}

function writer(file: string, opts: Partial<EventLogWriterOptions> = {}): EventLogWriter {
  return new EventLogWriter({ path: file, maxSizeBytes: 10_000_000, maxTotalBytes: 100_000_000, retentionMs: 7 * 86_400_000, log: silentLogger(), ...opts });
}

/** Lets a writer's open of the FIFO through (a reader comes and goes), so the test process can exit. */
async function unblock(fifo: string): Promise<void> {
  const reader = await fs.open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  await new Promise((resolve) => setTimeout(resolve, 50));
  await reader.close();
}

/** A 100-byte line (with its newline) carrying n. */
function line(n: number): string {
  const head = JSON.stringify({ n, pad: '' });
  return JSON.stringify({ n, pad: 'x'.repeat(99 - head.length) });
}

/** Every file of the log, oldest first (rotated by name, the live file last), and the numbers on their lines. */
async function files(dir: string): Promise<Array<{ name: string; size: number; ns: number[] }>> {
  const names = (await fs.readdir(dir)).filter((n) => n.startsWith('events.jsonl')).sort((a, b) => (a === 'events.jsonl' ? 1 : b === 'events.jsonl' ? -1 : a < b ? -1 : 1));
  return Promise.all(names.map(async (name) => {
    const text = await fs.readFile(path.join(dir, name), 'utf8');
    return { name, size: Buffer.byteLength(text), ns: text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { n: number }).n) };
  }));
}

test('lines are appended in order, and a writer started on an existing file appends after what is there', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'sub', 'events.jsonl');
  const first = writer(file);
  await first.start();
  for (let n = 0; n < 5; n++) assert.equal(first.append(line(n)), true);
  await first.stop();
  const second = writer(file);
  await second.start();
  second.append(line(5));
  await second.stop();

  const text = await fs.readFile(file, 'utf8');
  assert.deepEqual(text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { n: number }).n), [0, 1, 2, 3, 4, 5]);
  assert.equal(second.status().written, 1);
  assert.equal(second.dropped, 0);
});

test('the file is rotated before it would pass max_size, and no line is split or lost', async (t) => {
  const dir = await tempDir(t);
  const w = writer(path.join(dir, 'events.jsonl'), { maxSizeBytes: 1000, clock: steppingClock() });
  await w.start();
  for (let n = 0; n < 35; n++) w.append(line(n));
  await w.stop();

  const all = await files(dir);
  assert.deepEqual(all.map((f) => f.size), [1000, 1000, 1000, 500]);
  assert.deepEqual(all.flatMap((f) => f.ns), Array.from({ length: 35 }, (_, n) => n));
  for (const f of all.slice(0, -1)) assert.match(f.name, /^events\.jsonl\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
});

test('filling a small total cap deletes the oldest rotated files and keeps the newest lines under the cap', async (t) => {
  const dir = await tempDir(t);
  const w = writer(path.join(dir, 'events.jsonl'), { maxSizeBytes: 1000, maxTotalBytes: 3000, clock: steppingClock() });
  await w.start();
  for (let n = 0; n < 100; n++) w.append(line(n));
  await w.stop();

  const all = await files(dir);
  const total = all.reduce((sum, f) => sum + f.size, 0);
  assert.ok(total <= 3000, `the log holds ${total} bytes, over the 3000-byte cap`);
  const kept = all.flatMap((f) => f.ns);
  assert.equal(kept.at(-1), 99, 'the newest line is kept');
  assert.deepEqual(kept, Array.from({ length: kept.length }, (_, i) => 100 - kept.length + i), 'what is kept is the newest, without a gap');
  assert.ok(kept.length >= 20, `at least two full files are kept, got ${kept.length} lines`);
  assert.equal(w.dropped, 0, 'pruning removes old lines; it never drops new ones');
});

test('rotated files older than retention are deleted at start, newer ones and unrelated files are kept', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'events.jsonl');
  const old = `${file}.2020-01-01T00-00-00.000Z`;
  const recent = `${file}.2020-01-02T00-00-00.000Z`;
  const unrelated = [`${file}.bak`, path.join(dir, 'notes.txt')];
  for (const f of [old, recent, ...unrelated]) await fs.writeFile(f, `${line(1)}\n`);
  const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000);
  for (const f of [old, ...unrelated]) await fs.utimes(f, eightDaysAgo, eightDaysAgo);

  const w = writer(file, { retentionMs: 7 * 86_400_000 });
  await w.start();
  await w.stop();

  const left = (await fs.readdir(dir)).sort();
  assert.deepEqual(left, ['events.jsonl.2020-01-02T00-00-00.000Z', 'events.jsonl.bak', 'notes.txt']);
});

test('a live file last written before retention is deleted at the next prune; fresh lines start a new one', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'events.jsonl');
  await fs.writeFile(file, `${line(1)}\n`);
  const longAgo = new Date(Date.now() - 86_400_000);
  await fs.utimes(file, longAgo, longAgo);

  const w = writer(file, { retentionMs: 3_600_000 });
  await w.start();
  w.append(line(2));
  await w.stop();

  assert.deepEqual((await files(dir)).map((f) => f.ns), [[2]]);
});

test('with a disk that never finishes a write (a FIFO nobody reads), append returns at once and drops and counts past the queue', async (t) => {
  const dir = await tempDir(t);
  const fifo = path.join(dir, 'events.jsonl');
  execFileSync('mkfifo', [fifo]);
  let toldDropped = 0;
  const w = writer(fifo, { maxQueuedLines: 100, flushTimeoutMs: 200, onDrop: (n) => (toldDropped += n) });
  await w.start();
  // Opening a FIFO for writing blocks in libuv's pool until a reader comes; the test unblocks it at the end.
  try {

    const started = performance.now();
    let accepted = 0;
    for (let n = 0; n < 5000; n++) if (w.append(line(n))) accepted++;
    const took = performance.now() - started;

    assert.ok(took < 500, `5000 appends took ${Math.round(took)} ms; they must not wait for the disk`);
    assert.equal(accepted, 100, 'the queue holds its bound, the line the disk holds included');
    assert.equal(w.dropped, 4900);
    assert.equal(toldDropped, 4900, 'every drop reaches the metric');
    assert.equal(w.status().queued, 100);

    const stopStarted = performance.now();
    await w.stop();
    assert.ok(performance.now() - stopStarted < 1500, 'stop gives up on a stalled disk within its bound');
    assert.equal(w.dropped, 4999, 'lines still queued at stop are counted too');
    assert.equal(w.status().queued, 1, 'the one the disk holds is not counted twice');
  } finally {
    await unblock(fifo);
  }
});

test('a queue bounded in bytes drops a burst of large lines', async (t) => {
  const dir = await tempDir(t);
  const fifo = path.join(dir, 'events.jsonl');
  execFileSync('mkfifo', [fifo]);
  const w = writer(fifo, { maxQueuedBytes: 10_000, flushTimeoutMs: 100 });
  await w.start();
  try {
    let accepted = 0;
    for (let n = 0; n < 50; n++) if (w.append('x'.repeat(999))) accepted++;
    assert.equal(accepted, 10);
    assert.equal(w.dropped, 40);
    await w.stop();
  } finally {
    await unblock(fifo);
  }
});

test('a path that cannot be written drops and counts lines, records the error, and never throws', async (t) => {
  const dir = await tempDir(t);
  const notADir = path.join(dir, 'file');
  await fs.writeFile(notADir, '');
  const w = writer(path.join(notADir, 'events.jsonl'));
  await w.start();
  for (let n = 0; n < 3; n++) assert.equal(w.append(line(n)), true, 'queued: the failure is the disk’s, found later');
  await w.stop();
  assert.equal(w.dropped, 3);
  assert.match(w.status().last_error ?? '', /ENOTDIR|EEXIST/);
});

test('after stop, appends are dropped and counted', async (t) => {
  const dir = await tempDir(t);
  const w = writer(path.join(dir, 'events.jsonl'));
  await w.start();
  await w.stop();
  await w.stop();
  assert.equal(w.append(line(1)), false);
  assert.equal(w.dropped, 1);
});
