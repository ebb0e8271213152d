/** The config file watch: edits in place and by rename count once per burst; unchanged content never. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from './log.ts';
import { FileWatcher } from './file-watch.ts';
import { waitFor } from '../../test/helpers/fakes/index.ts';

async function watched(t: { after(fn: () => unknown): void }) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-watch-'));
  const file = path.join(dir, 'drowse.yaml');
  await fs.writeFile(file, 'a: 1\n');
  let changes = 0;
  const w = new FileWatcher({ path: file, log: silentLogger(), settleMs: 30, onChange: () => changes++ });
  await w.start();
  t.after(async () => {
    w.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });
  return { dir, file, w, changes: () => changes };
}

test('an edit in place is one change', { timeout: 10_000 }, async (t) => {
  const { file, changes } = await watched(t);
  await fs.writeFile(file, 'a: 2\n');
  await waitFor(() => changes() === 1);
});

test('a file replaced by rename, as editors save, is a change, and the watch goes on after it', { timeout: 10_000 }, async (t) => {
  const { file, changes } = await watched(t);
  await fs.writeFile(`${file}.new`, 'a: 2\n');
  await fs.rename(`${file}.new`, file);
  await waitFor(() => changes() === 1);
  await fs.writeFile(file, 'a: 3\n');
  await waitFor(() => changes() === 2);
});

test('a burst of writes settles into one change', { timeout: 10_000 }, async (t) => {
  const { file, changes } = await watched(t);
  for (let i = 0; i < 10; i++) await fs.writeFile(file, `a: ${i + 10}\n`);
  await waitFor(() => changes() === 1);
  // A later, separate edit is counted again: the burst was not just swallowed.
  await fs.writeFile(file, 'a: 99\n');
  await waitFor(() => changes() === 2);
});

test('touching the file or writing the same content is no change; another file in the directory neither', { timeout: 10_000 }, async (t) => {
  const { dir, file, changes } = await watched(t);
  await fs.writeFile(file, 'a: 1\n');
  await fs.writeFile(path.join(dir, 'other.yaml'), 'b: 1\n');
  await fs.utimes(file, new Date(), new Date());
  // Then a real edit: if the earlier events had counted, the count would be above 1.
  await fs.writeFile(file, 'a: 2\n');
  await waitFor(() => changes() >= 1);
  // Absence needs a window: a few settle periods after the count was reached.
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(changes(), 1);
});

test('content a reload already read (rebase) is no change; the next edit is', { timeout: 10_000 }, async (t) => {
  const { file, w, changes } = await watched(t);
  await fs.writeFile(file, 'a: 5\n');
  await w.rebase();
  // Past the settle time, so the edit above has been looked at on its own.
  await new Promise((resolve) => setTimeout(resolve, 100));
  await fs.writeFile(file, 'a: 6\n');
  await waitFor(() => changes() >= 1);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(changes(), 1, 'only the edit after the rebase');
});
