import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from './package-root.ts';

test('the package root is the nearest directory above with a package.json named drowse, at any depth', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-root-'));
  try {
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'drowse' }));
    // A package.json of another name on the way (a nested package) is passed by.
    await mkdir(path.join(dir, 'dist', 'deep'), { recursive: true });
    await writeFile(path.join(dir, 'dist', 'package.json'), JSON.stringify({ type: 'commonjs' }));
    await writeFile(path.join(dir, 'dist', 'deep', 'package.json'), 'not json');
    const want = pathToFileURL(`${dir}/`).href;
    assert.equal(packageRoot(pathToFileURL(path.join(dir, 'dist', 'drowse.cjs'))).href, want);
    assert.equal(packageRoot(pathToFileURL(path.join(dir, 'dist', 'deep', 'x.js')).href).href, want);
    assert.equal(packageRoot(pathToFileURL(path.join(dir, 'main.js'))).href, want);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a module with no drowse package.json above it is an error that names where it looked from', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-root-'));
  try {
    const from = pathToFileURL(path.join(dir, 'x.js'));
    assert.throws(() => packageRoot(from), (err: Error) => err.message.includes(from.href));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('this checkout\'s root is found from src/', () => {
  assert.equal(packageRoot(import.meta.url).href, new URL('../../', import.meta.url).href);
});
