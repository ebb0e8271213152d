import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { formatProblem, loadConfig, type LoadResult } from './index.ts';
import { readBounded } from './load.ts';
import { MAX_CONFIG_BYTES, sizeProblem } from './input.ts';

/** A scratch directory with a cwd, an "/etc" path and a file per place drowse may look. */
async function places(t: TestContext) {
  const root = await mkdtemp(path.join(tmpdir(), 'drowse-config-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const cwd = path.join(root, 'work');
  await mkdir(cwd);
  // Each file names its own origin in the log level so the test can tell which one was read.
  const write = async (file: string, level: string) => {
    await writeFile(file, `log: { level: ${level} }\n`);
    return file;
  };
  return {
    cwd,
    systemPath: path.join(root, 'etc-drowse.yaml'),
    write,
    explicit: path.join(root, 'explicit.yaml'),
    fromEnv: path.join(root, 'env.yaml'),
    local: path.join(cwd, 'drowse.yaml'),
  };
}

function levelOf(result: LoadResult): string {
  assert.ok(result.ok, `expected a config, got ${!result.ok && result.problems.map(formatProblem).join('\n')}`);
  return result.config.source === '(embedded default)' ? 'embedded' : result.config.log.level;
}

test('lookup prefers -c, then $DROWSE_CONFIG, then ./drowse.yaml, then the system path, then the embedded default', async (t) => {
  const p = await places(t);
  await p.write(p.explicit, 'trace');
  await p.write(p.fromEnv, 'debug');
  await p.write(p.local, 'warn');
  await p.write(p.systemPath, 'error');
  const env = { DROWSE_CONFIG: p.fromEnv };
  const base = { cwd: p.cwd, systemPath: p.systemPath };

  assert.equal(levelOf(await loadConfig({ ...base, env, file: p.explicit })), 'trace');
  assert.equal(levelOf(await loadConfig({ ...base, env })), 'debug');
  assert.equal(levelOf(await loadConfig({ ...base, env: {} })), 'warn');
  await rm(p.local);
  assert.equal(levelOf(await loadConfig({ ...base, env: {} })), 'error');
  await rm(p.systemPath);
  assert.equal(levelOf(await loadConfig({ ...base, env: {} })), 'embedded');
});

test('the source names the file that was read', async (t) => {
  const p = await places(t);
  await p.write(p.local, 'info');
  const result = await loadConfig({ cwd: p.cwd, systemPath: p.systemPath, env: {} });
  assert.ok(result.ok);
  assert.equal(result.config.source, p.local);
});

test('a relative -c path is read from cwd and reported as given', async (t) => {
  const p = await places(t);
  await writeFile(path.join(p.cwd, 'mine.yaml'), 'log: { level: loud }\n');
  const result = await loadConfig({ cwd: p.cwd, systemPath: p.systemPath, env: {}, file: 'mine.yaml' });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.problems.map(formatProblem), ['mine.yaml:1:15: log.level: expected one of trace, debug, info, warn, error, fatal, silent']);
});

test('a named file that does not exist is a problem, not a reason to look elsewhere', async (t) => {
  const p = await places(t);
  await p.write(p.local, 'warn');
  const missing = path.join(p.cwd, 'nope.yaml');
  for (const opts of [{ file: missing, env: {} }, { env: { DROWSE_CONFIG: missing } }]) {
    const result = await loadConfig({ cwd: p.cwd, systemPath: p.systemPath, ...opts });
    assert.deepEqual(result, { ok: false, source: missing, problems: [{ file: missing, line: 0, col: 0, path: '', message: 'file not found' }] });
  }
});

test('an empty $DROWSE_CONFIG counts as unset', async (t) => {
  const p = await places(t);
  await p.write(p.local, 'warn');
  assert.equal(levelOf(await loadConfig({ cwd: p.cwd, systemPath: p.systemPath, env: { DROWSE_CONFIG: '' } })), 'warn');
});

test('a config that is a directory is a problem', async (t) => {
  const p = await places(t);
  await mkdir(p.local);
  const result = await loadConfig({ cwd: p.cwd, systemPath: p.systemPath, env: {} });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.problems.map(formatProblem), [`${p.local}: is a directory, not a file`]);
});

test('the file is expanded from the env given to loadConfig', async (t) => {
  const p = await places(t);
  await writeFile(p.explicit, 'log: { level: "${LEVEL:-info}" }\n');
  assert.equal(levelOf(await loadConfig({ file: p.explicit, env: { LEVEL: 'fatal' } })), 'fatal');
});

test('the embedded default starts without a warning: nobody wrote the labels setting it carries', async (t) => {
  const p = await places(t);
  const result = await loadConfig({ cwd: p.cwd, systemPath: p.systemPath, env: {} });
  assert.ok(result.ok);
  assert.deepEqual(result.warnings, []);
  assert.equal(result.config.providers.docker[0]?.labels, true);
});

test('reading a config keeps a buffer the size of the file, not one the size of the limit', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'drowse-config-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const file = path.join(root, 'drowse.yaml');
  await writeFile(file, 'log: { level: warn }\n');
  const read = await readBounded(file);
  assert.ok('bytes' in read);
  assert.equal(read.bytes.toString(), 'log: { level: warn }\n');
  // A 4 MiB buffer behind a 21-byte config was 4 MiB of RSS at idle until a full GC came.
  assert.ok(read.bytes.buffer.byteLength <= 64 * 1024, `the bytes sit in a ${read.bytes.buffer.byteLength}-byte buffer`);
});

test('a pipe that gives more than the limit is refused by its size, whatever it says it holds', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'drowse-config-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const fifo = path.join(root, 'drowse.yaml');
  execFileSync('mkfifo', [fifo]);
  // The writer fills the pipe until the reader stops and closes it (EPIPE then ends it).
  const writer = createWriteStream(fifo);
  writer.on('error', () => undefined);
  const chunk = Buffer.alloc(64 * 1024, '#');
  const pump = () => { while (!writer.destroyed && writer.write(chunk)); };
  writer.on('drain', pump);
  writer.on('open', pump);
  t.after(() => writer.destroy());
  const read = await readBounded(fifo);
  const length = 'size' in read ? read.size : read.bytes.length;
  assert.ok(length > MAX_CONFIG_BYTES, `read ${length} bytes`);
  assert.equal(sizeProblem(length), 'the config file is 4.0 MiB; the limit is 4 MiB');
});
