// Builds the one image every Docker test runs: busybox + the Node binary this repo tests with,
// imported from a local tarball — no registry, no Dockerfile, no network.
import { execFile as execFileCb, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, open, readFile, realpath, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { testDocker } from './docker.ts';

const execFile = promisify(execFileCb);

/** Bump to force a rebuild when the recipe below changes. */
const RECIPE = 'drowse-test-image v1';
const REPO = 'drowse-test/node';
const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
/** Files larger than this are identified by size and version instead of a full hash (the Node binary is ~120 MB). */
const HASH_LIMIT = 16 * 1024 * 1024;
/** Where the Node binary sits in the image; PATH covers it. */
const NODE_IN_IMAGE = '/usr/local/bin/node';
const LOCK_STALE_MS = 5 * 60_000;

let building: Promise<string> | undefined;

/**
 * Returns the tag of the test image (`drowse-test/node:<hash>`), building it when its inputs
 * changed. Safe to call from many tests and processes at once: one builds, the others wait.
 * The image has /bin/busybox with its applets (sh, sleep, nc, wget, httpd, ...) and `node`.
 */
export function ensureTestImage(): Promise<string> {
  building ??= build().catch((err: unknown) => {
    building = undefined;
    throw err;
  });
  return building;
}

interface Inputs {
  readonly busybox: string;
  readonly node: string;
  /** Host path → path in the image (the same, for shared libraries and the loader). */
  readonly files: ReadonlyMap<string, string>;
}

async function build(): Promise<string> {
  const inputs = await collectInputs();
  const tag = `${REPO}:${await inputsHash(inputs)}`;
  if (await imageExists(tag)) return tag;
  const release = await lock(tag);
  try {
    if (await imageExists(tag)) return tag; // another process built it while we waited
    await buildImage(inputs, tag);
    return tag;
  } finally {
    await release();
  }
}

async function collectInputs(): Promise<Inputs> {
  const busybox = await findBusybox();
  const nodeCandidate = join(REPO_ROOT, 'node_modules', 'node', 'bin', 'node');
  const node = await realpath(existsSync(nodeCandidate) ? nodeCandidate : process.execPath);
  const files = new Map<string, string>([[busybox, '/bin/busybox'], [node, NODE_IN_IMAGE]]);
  for (const binary of [busybox, node]) {
    for (const lib of await sharedLibraries(binary)) files.set(lib, lib);
  }
  return { busybox, node, files };
}

async function findBusybox(): Promise<string> {
  for (const candidate of ['/bin/busybox', '/usr/bin/busybox', '/usr/local/bin/busybox']) {
    if (existsSync(candidate)) return realpath(candidate);
  }
  throw new Error('test image: busybox not found; install busybox-static (apt-get install busybox-static)');
}

/** The absolute paths `ldd` lists (libraries and the dynamic loader); none for a static binary. */
async function sharedLibraries(binary: string): Promise<string[]> {
  let out: string;
  try {
    out = (await execFile('ldd', [binary])).stdout;
  } catch (err) {
    // ldd exits 1 with "not a dynamic executable" for static binaries such as busybox-static.
    const stdout = (err as { stdout?: string }).stdout ?? '';
    const stderr = (err as { stderr?: string }).stderr ?? '';
    if (/not a dynamic executable|statically linked/.test(stdout + stderr)) return [];
    throw new Error(`test image: ldd ${binary} failed: ${stderr || String(err)}`, { cause: err });
  }
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (match?.[1]) libs.push(match[1]);
  }
  return libs;
}

/** A hash of everything that ends up in the image, so the tag changes exactly when the image would. */
async function inputsHash(inputs: Inputs): Promise<string> {
  const hash = createHash('sha256').update(RECIPE);
  const version = (await execFile(inputs.node, ['--version'])).stdout.trim();
  // Ordered by path in the image: where the repo sits on the host must not change the tag.
  for (const [host, inImage] of [...inputs.files].sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const { size } = await stat(host);
    hash.update(`\0${inImage}\0${size}\0`);
    // Hashing the 120 MB Node binary would cost every test process a second; its version and size name it.
    hash.update(size > HASH_LIMIT ? (host === inputs.node ? version : `${host}`) : await readFile(host));
  }
  return hash.digest('hex').slice(0, 16);
}

async function imageExists(tag: string): Promise<boolean> {
  try {
    await testDocker().getImage(tag).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

/**
 * A lock file shared by every process building this tag (O_EXCL create). A lock older than
 * LOCK_STALE_MS is taken to be left by a crashed run and removed.
 */
async function lock(tag: string): Promise<() => Promise<void>> {
  const path = join(tmpdir(), `drowse-test-image-${tag.replace(/[^a-z0-9]+/gi, '-')}.lock`);
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => { await unlink(path).catch(() => undefined); };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const age = await stat(path).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > LOCK_STALE_MS) await unlink(path).catch(() => undefined);
    if (await imageExists(tag)) return async () => undefined;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function buildImage(inputs: Inputs, tag: string): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'drowse-test-rootfs-'));
  try {
    for (const dir of ['bin', 'usr/local/bin', 'etc', 'apps', 'root', 'proc', 'sys', 'dev']) await mkdir(join(root, dir), { recursive: true });
    await mkdir(join(root, 'tmp'));
    await chmod(join(root, 'tmp'), 0o1777);
    for (const [host, inImage] of inputs.files) {
      await mkdir(join(root, dirname(inImage)), { recursive: true });
      await copyFile(host, join(root, inImage)); // follows symlinks: the image gets real files
      await chmod(join(root, inImage), (await stat(host)).mode & 0o777);
    }
    const applets = (await execFile(inputs.busybox, ['--list'])).stdout.split('\n').filter((a) => /^[\w.[-]+$/.test(a) && a !== 'busybox');
    for (const applet of applets) await symlink('busybox', join(root, 'bin', applet)).catch(() => undefined);
    await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
    await writeFile(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    await importRootfs(root, tag);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** `tar -C root -c . | docker import --change ... - tag`, failing with both tools' stderr. */
async function importRootfs(root: string, tag: string): Promise<void> {
  const tar = spawn('tar', ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const docker = spawn('docker', [
    'import',
    '--change', 'ENV PATH=/usr/local/bin:/bin',
    '--change', 'WORKDIR /',
    '--message', RECIPE,
    '-', tag,
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  tar.stdout.pipe(docker.stdin);
  const [tarResult, dockerResult] = await Promise.all([exited(tar, 'tar'), exited(docker, 'docker import')]);
  if (tarResult || dockerResult) throw new Error(`test image: building ${tag} failed: ${[tarResult, dockerResult].filter(Boolean).join('; ')}`);
}

/** Resolves with an error description, or '' on success. */
function exited(child: ReturnType<typeof spawn>, what: string): Promise<string> {
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
  return new Promise((resolveExit) => {
    child.on('error', (err) => resolveExit(`${what}: ${err.message}`));
    child.on('close', (code) => resolveExit(code === 0 ? '' : `${what} exited ${code}: ${stderr.trim()}`));
  });
}
