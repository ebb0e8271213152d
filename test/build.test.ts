/**
 * `npm run build` (scripts/build.ts): what `npm start`, the `drowse` command and the image run is
 * the bundle, not src/, so it is run here as an installed package would be, and its deferred
 * dependency files are checked to be left out and still to work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile as execFileCb } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { bundle, deferPlugin, DEFERRED_FILES, MAIN_OUT, PROGRAM_OUT, REPO_ROOT } from '../scripts/index.ts';
import { freePort, launchServe, request, waitFor } from './helpers/index.ts';

const execFile = promisify(execFileCb);

/** A package laid out as `npm install` leaves drowse: package.json, views/, public/, node_modules/ and the bundle in dist/. */
async function installed(t: { after(fn: () => unknown): void }, version: string): Promise<{ main: string; metafiles: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-build-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'drowse', version }));
  for (const d of ['views', 'public', 'node_modules']) await symlink(path.join(REPO_ROOT, d), path.join(dir, d));
  const results = await bundle({ outdir: path.join(dir, 'dist'), metafile: true });
  return { main: path.join(dir, 'dist', MAIN_OUT), metafiles: results.flatMap((r) => Object.keys(r.metafile?.inputs ?? {})) };
}

test('the bundle runs from where it is installed: its version, loading page and assets come from the package around it', { timeout: 60_000 }, async (t) => {
  const { main } = await installed(t, '9.8.7-bundle');
  const { stdout } = await execFile(process.execPath, [main, '--version']);
  assert.equal(stdout.trim(), '9.8.7-bundle');

  const port = await freePort();
  // An engine that is not there: drowse serves anyway, and a browser gets the loading page.
  const drowse = await launchServe(t, [
    `entrypoints: { http: "127.0.0.1:${port}" }`,
    `providers: { docker: { local: { socket: ${JSON.stringify(path.join(tmpdir(), `drowse-no-engine-${process.pid}.sock`))} } } }`,
    'services:',
    '  app:',
    '    docker: { container: app }',
    '    http: { host: app.test, target: "http://127.0.0.1:1" }',
  ].join('\n'), {}, main);
  const page = await waitFor(async () => {
    const r = await request({ port, host: 'app.test', headers: { accept: 'text/html' }, timeoutMs: 2_000 }).catch(() => undefined);
    return r && String(r.headers['content-type']).includes('text/html') ? r : undefined;
  }, { timeoutMs: 20_000, message: 'the loading page from the bundle' }).catch((err: unknown) => {
    throw new Error(`no loading page; drowse said:\n${drowse.output()}`, { cause: err });
  });
  assert.match(page.body, /<script src="\/__drowse\/loading.js" defer><\/script>/);
  const script = await request({ port, host: 'app.test', path: '/__drowse/loading.js' });
  assert.equal(script.status, 200);
  assert.equal(script.body, await readFile(path.join(REPO_ROOT, 'public', 'loading.js'), 'utf8'));
  drowse.child.kill('SIGTERM');
  assert.equal((await drowse.exited).code, 0, drowse.output());
});

test('the bundle holds none of dockerode\'s SSH and BuildKit session code (ssh2, gRPC), and each file left out exports the one function its stand-in calls', { timeout: 60_000 }, async (t) => {
  const { metafiles } = await installed(t, '0.0.0');
  assert.ok(metafiles.some((f) => f.includes('node_modules/dockerode/')), 'dockerode itself is bundled');
  // protobufjs stays in the file: dockerode requires it (lib/buildkit.js) only inside buildImage, so it is never run.
  assert.deepEqual(metafiles.filter((f) => /node_modules\/(ssh2|cpu-features|@grpc)\//.test(f)), []);
  const here = createRequire(path.join(REPO_ROOT, 'package.json'));
  for (const { from, file } of DEFERRED_FILES) {
    assert.equal(typeof createRequire(here.resolve(from))(file), 'function', `${file} exports a function`);
  }
});

test('a deferred file is loaded on the first call of its stand-in, which returns what the real function returns', { timeout: 30_000 }, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-defer-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pkg = path.join(dir, 'node_modules', 'host');
  await mkdir(pkg, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'fixture' }));
  await writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: 'host', main: 'index.js' }));
  await writeFile(path.join(pkg, 'heavy.js'), "globalThis.heavyLoads = (globalThis.heavyLoads ?? 0) + 1;\nmodule.exports = function heavy(a, b) { return `HEAVY-MARK ${this?.who} ${a + b}`; };\n");
  await writeFile(path.join(pkg, 'index.js'), "const heavy = require('./heavy');\nmodule.exports = { call: (a, b) => heavy.call({ who: 'me' }, a, b) };\n");
  await writeFile(path.join(dir, 'entry.js'), [
    "const host = require('host');",
    'const before = globalThis.heavyLoads ?? 0;',
    'const first = host.call(1, 2);',
    'const second = host.call(3, 4);',
    'console.log(JSON.stringify({ before, first, second, loads: globalThis.heavyLoads }));',
  ].join('\n'));
  const out = path.join(dir, 'out.cjs');
  await build({ entryPoints: [path.join(dir, 'entry.js')], outfile: out, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error', plugins: [deferPlugin([{ from: 'host', file: 'host/heavy.js' }], dir)] });
  assert.doesNotMatch(await readFile(out, 'utf8'), /HEAVY-MARK/, 'the real file is not in the bundle');
  const { stdout } = await execFile(process.execPath, [out], { cwd: dir });
  assert.deepEqual(JSON.parse(stdout), { before: 0, first: 'HEAVY-MARK me 3', second: 'HEAVY-MARK me 7', loads: 1 });
});

test('the command file holds only the compile-cache switch and a require of the program beside it', { timeout: 30_000 }, async (t) => {
  const { main } = await installed(t, '0.0.0');
  const text = await readFile(main, 'utf8');
  assert.match(text.split('\n')[0] ?? '', /^#!\/usr\/bin\/env -S node /);
  assert.match(text, /enableCompileCache/);
  assert.match(text, new RegExp(`require\\("\\./${PROGRAM_OUT.replace('.', '\\.')}"\\)`));
  assert.ok(text.length < 4_000, `${MAIN_OUT} is ${text.length} bytes: the program was bundled into it`);
});
