/**
 * `npm run image`: builds the Dockerfile as drowse:local on this machine.
 *
 * The base image (NODE_IMAGE, node:24-alpine unless told) is used when the engine has it or can
 * pull it. When it cannot — a machine that reaches the npm registry but no image registry — a
 * local Node base is made first, the way the test image is: the Node 24 binary of the `node`
 * devDependency with the shared libraries `ldd` names, busybox for /bin/sh, and npm (packed from
 * the npm registry) so the build stage can run `npm ci`. The build runs with `--network host`,
 * so `npm ci` reaches the registry on engines started with --bridge=none.
 *
 * Environment: NODE_IMAGE (base), DROWSE_IMAGE (tag, default drowse:local), DOCKER_GID (baked
 * into the image as the drowse user's group, optional).
 */
import { execFile as execFileCb, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFile = promisify(execFileCb);

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const DEFAULT_TAG = 'drowse:local';
export const DEFAULT_NODE_IMAGE = 'node:24-alpine';
/** Bump to force a new local base when the recipe below changes. */
const BASE_RECIPE = 'drowse-image-base v2';
const BASE_REPO = 'drowse-base/node';
/** The npm packed into the local base; any npm that runs on Node 24 would do. */
const NPM_SPEC = 'npm@11';
/** Where distributions keep their CA bundle; the first found is copied into the local base. */
const CA_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];
const CA_IN_IMAGE = '/etc/ssl/certs/ca-certificates.crt';

/** Options of {@link buildImage}; every field falls back to the environment, then the default. */
export interface BuildImageOptions {
  readonly tag?: string;
  readonly nodeImage?: string;
  readonly dockerGid?: string;
  /** Progress lines; stderr unless told. */
  readonly log?: (line: string) => void;
  /** Where docker build's own output goes; inherited (shown) unless told. */
  readonly quiet?: boolean;
}

/** Builds the image and returns its tag. */
export async function buildImage(opts: BuildImageOptions = {}): Promise<string> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`image: ${line}\n`));
  const tag = opts.tag ?? (process.env['DROWSE_IMAGE'] || DEFAULT_TAG);
  const wanted = opts.nodeImage ?? (process.env['NODE_IMAGE'] || DEFAULT_NODE_IMAGE);
  const dockerGid = opts.dockerGid ?? process.env['DOCKER_GID'] ?? '';
  const base = await usableBase(wanted, log);
  const buildkit = await hasBuildx();
  log(`building ${tag} on ${base} with ${buildkit ? 'BuildKit' : 'the legacy builder (no buildx here)'}`);
  const args = ['build', '--network', 'host', '--build-arg', `NODE_IMAGE=${base}`, '-t', tag];
  if (dockerGid) args.push('--build-arg', `DOCKER_GID=${dockerGid}`);
  if (opts.quiet) args.push('--quiet');
  args.push(REPO_ROOT);
  // Without buildx the CLI must be told to use the legacy builder, or it refuses (DOCKER_BUILDKIT=1) or warns.
  const env = { ...process.env, DOCKER_BUILDKIT: buildkit ? '1' : '0' };
  await run('docker', args, env, opts.quiet === true);
  return tag;
}

/** The wanted base when the engine has it or can pull it, else a local one made here. */
async function usableBase(wanted: string, log: (line: string) => void): Promise<string> {
  if (await imageExists(wanted)) return wanted;
  try {
    await execFile('docker', ['pull', wanted], { timeout: 120_000 });
    return wanted;
  } catch (err) {
    const why = ((err as { stderr?: string }).stderr ?? String(err)).trim().split('\n').pop();
    log(`cannot pull ${wanted} (${why}); making a local Node base instead`);
  }
  return ensureLocalBase(log);
}

async function hasBuildx(): Promise<boolean> {
  try {
    await execFile('docker', ['buildx', 'version']);
    return true;
  } catch {
    return false;
  }
}

async function imageExists(ref: string): Promise<boolean> {
  try {
    await execFile('docker', ['image', 'inspect', '--format', '{{.Id}}', ref]);
    return true;
  } catch {
    return false;
  }
}

interface BaseInputs {
  readonly node: string;
  readonly busybox: string;
  readonly npmTarball: string;
  /** Host path → path in the image. */
  readonly files: ReadonlyMap<string, string>;
}

/** Makes (once; the tag is a hash of its inputs) a Node base with busybox and npm, and returns its tag. */
export async function ensureLocalBase(log: (line: string) => void = () => undefined): Promise<string> {
  const inputs = await baseInputs();
  const tag = `${BASE_REPO}:${await baseHash(inputs)}`;
  if (await imageExists(tag)) return tag;
  log(`making ${tag}`);
  const root = await mkdtemp(join(tmpdir(), 'drowse-image-base-'));
  try {
    for (const dir of ['bin', 'usr/bin', 'usr/local/bin', 'usr/local/lib/node_modules/npm', 'etc', 'root', 'proc', 'sys', 'dev', 'run']) {
      await mkdir(join(root, dir), { recursive: true });
    }
    await mkdir(join(root, 'tmp'));
    await chmod(join(root, 'tmp'), 0o1777);
    for (const [host, inImage] of inputs.files) {
      await mkdir(join(root, dirname(inImage)), { recursive: true });
      await copyFile(host, join(root, inImage));
      await chmod(join(root, inImage), (await stat(host)).mode & 0o777);
    }
    const applets = (await execFile(inputs.busybox, ['--list'])).stdout.split('\n').filter((a) => /^[\w.[-]+$/.test(a) && a !== 'busybox');
    for (const applet of applets) await symlink('busybox', join(root, 'bin', applet)).catch(() => undefined);
    // `#!/usr/bin/env node` scripts (npm's, tsc's) need env where Debian and Alpine have it.
    await symlink('/bin/busybox', join(root, 'usr', 'bin', 'env'));
    await execFile('tar', ['-xzf', inputs.npmTarball, '-C', join(root, 'usr/local/lib/node_modules/npm'), '--strip-components=1', '--no-same-owner']);
    for (const [name, cli] of [['npm', 'npm-cli.js'], ['npx', 'npx-cli.js']] as const) {
      await writeFile(join(root, 'usr/local/bin', name), `#!/bin/sh\nexec node /usr/local/lib/node_modules/npm/bin/${cli} "$@"\n`, { mode: 0o755 });
    }
    await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
    await writeFile(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    await importRootfs(root, tag);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return tag;
}

async function baseInputs(): Promise<BaseInputs> {
  const nodeCandidate = join(REPO_ROOT, 'node_modules', 'node', 'bin', 'node');
  const node = await realpath(existsSync(nodeCandidate) ? nodeCandidate : process.execPath);
  const busybox = await findBusybox();
  const npmTarball = await npmTarballPath();
  const files = new Map<string, string>([[busybox, '/bin/busybox'], [node, '/usr/local/bin/node']]);
  for (const binary of [busybox, node]) for (const lib of await sharedLibraries(binary)) files.set(lib, lib);
  // The host's trust store, as a distribution base would carry one: `npm ci` in the build stage
  // then trusts what the host trusts (a TLS-inspecting egress proxy's CA included).
  const caBundle = CA_BUNDLES.find((p) => existsSync(p));
  if (caBundle) files.set(await realpath(caBundle), CA_IN_IMAGE);
  return { node, busybox, npmTarball, files };
}

async function findBusybox(): Promise<string> {
  for (const candidate of ['/bin/busybox', '/usr/bin/busybox', '/usr/local/bin/busybox']) {
    if (existsSync(candidate)) return realpath(candidate);
  }
  throw new Error('image: busybox not found; install busybox-static (apt-get install busybox-static)');
}

/** npm's tarball (it bundles its own dependencies), packed once from the npm registry and kept. */
async function npmTarballPath(): Promise<string> {
  const cache = join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'drowse-image');
  await mkdir(cache, { recursive: true });
  const kept = (await readdir(cache)).filter((f) => /^npm-\d+\.\d+\.\d+\.tgz$/.test(f)).sort();
  if (kept.length > 0) return join(cache, kept[kept.length - 1] ?? '');
  const { stdout } = await execFile('npm', ['pack', NPM_SPEC, '--pack-destination', cache, '--silent'], { timeout: 120_000 });
  const file = stdout.trim().split('\n').pop() ?? '';
  if (!/^npm-[\d.]+\.tgz$/.test(file)) throw new Error(`image: npm pack ${NPM_SPEC} printed ${JSON.stringify(stdout)}`);
  return join(cache, file);
}

/** The absolute paths `ldd` lists (libraries and the loader); none for a static binary. */
async function sharedLibraries(binary: string): Promise<string[]> {
  let out: string;
  try {
    out = (await execFile('ldd', [binary])).stdout;
  } catch (err) {
    const text = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    if (/not a dynamic executable|statically linked/.test(text)) return [];
    throw new Error(`image: ldd ${binary} failed: ${text || String(err)}`, { cause: err });
  }
  return out.split('\n').flatMap((line) => {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    return match?.[1] ? [match[1]] : [];
  });
}

/** The tag changes exactly when the base would: recipe, Node version, busybox, libraries, npm. */
async function baseHash(inputs: BaseInputs): Promise<string> {
  const hash = createHash('sha256').update(BASE_RECIPE);
  hash.update((await execFile(inputs.node, ['--version'])).stdout.trim());
  hash.update(await readFile(inputs.npmTarball));
  for (const [host, inImage] of [...inputs.files].sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const { size } = await stat(host);
    hash.update(`\0${inImage}\0${size}\0`);
    // The 120 MB Node binary is named by its version (above) and size; the rest is small enough to hash.
    if (host !== inputs.node) hash.update(await readFile(host));
  }
  return hash.digest('hex').slice(0, 16);
}

/** `tar -C root -c . | docker import --change ... - tag`. */
async function importRootfs(root: string, tag: string): Promise<void> {
  const tar = spawn('tar', ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const docker = spawn('docker', [
    'import',
    '--change', 'ENV PATH=/usr/local/bin:/usr/bin:/bin',
    // Node's own CA list plus the bundle (when the host has one; a missing file only warns).
    '--change', `ENV NODE_EXTRA_CA_CERTS=${CA_IN_IMAGE}`,
    '--change', 'WORKDIR /', '--message', BASE_RECIPE, '-', tag,
  ], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  tar.stdout.pipe(docker.stdin);
  const failures = (await Promise.all([exited(tar, 'tar'), exited(docker, 'docker import')])).filter(Boolean);
  if (failures.length > 0) throw new Error(`image: making ${tag} failed: ${failures.join('; ')}`);
}

function exited(child: ReturnType<typeof spawn>, what: string): Promise<string> {
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
  return new Promise((done) => {
    child.on('error', (err) => done(`${what}: ${err.message}`));
    child.on('close', (code) => done(code === 0 ? '' : `${what} exited ${code}: ${stderr.trim()}`));
  });
}

/** Runs a command, its output shown (or kept for the error when quiet); rejects with its exit code. */
function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, quiet: boolean): Promise<void> {
  const child = spawn(cmd, args, { env, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => { output = (output + c.toString()).slice(-8000); });
  child.stderr?.on('data', (c: Buffer) => { output = (output + c.toString()).slice(-8000); });
  return new Promise((done, fail) => {
    child.on('error', (err) => fail(new Error(`image: ${cmd} could not run: ${err.message}`, { cause: err })));
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`image: ${cmd} ${args.join(' ')} exited ${code}${quiet ? `:\n${output.trim()}` : ''}`))));
  });
}

if (import.meta.main) {
  buildImage().then(
    (tag) => process.stderr.write(`image: built ${tag}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
