import { execFile as execFileCb } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { testDocker } from './docker.ts';
import { ensureTestImage } from './images.ts';

const execFile = promisify(execFileCb);

/** The test apps (http-app.js, ws-app.js), mounted read-only at /apps in every test container. */
export const APPS_DIR = resolve(import.meta.dirname, 'apps');
/** Every test container's name starts with this; `docker ps -a --filter label=drowse-test` finds leftovers. */
export const CONTAINER_PREFIX = 'drowse-test-';
export const TEST_LABEL = 'drowse-test';
/** Names the test run (DROWSE_TEST_RUN, set by .ci/run), so a run's cleanup never touches another run's containers. */
export const TEST_RUN_LABEL = 'drowse-test.run';

/** Something that runs cleanups when a test ends: node:test's TestContext (t.after). */
export interface Cleanup {
  after(fn: () => unknown): void;
}

/** A Docker HEALTHCHECK, in milliseconds. */
export interface TestHealthcheck {
  /** e.g. ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1:8080/healthz'] or ['CMD-SHELL', 'nc -z 127.0.0.1 8080']. */
  readonly test: string[];
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly startPeriodMs?: number;
}

/** Options of {@link runContainer}. */
export interface RunContainerOptions {
  /** Base name; the container is `drowse-test-<name>-<random>` (or `drowse-test-<name>` without randomSuffix). Defaults to the app's name. */
  readonly name?: string;
  /** Random suffix so parallel runs never collide; true unless told. */
  readonly randomSuffix?: boolean;
  /** A test app under /apps to run with node, e.g. 'http-app.js' (shorthand for cmd ['node', '/apps/http-app.js']). */
  readonly app?: string;
  /** e.g. ['sh', '-c', 'trap "" TERM; sleep 3600']; required unless `app` is given. */
  readonly cmd?: string[];
  /** The image; the test image (ensureTestImage) unless told. */
  readonly image?: string;
  readonly env?: Readonly<Record<string, string | number>>;
  /** Extra binds ("host:container[:ro]") besides the apps directory. */
  readonly binds?: string[];
  readonly healthcheck?: TestHealthcheck;
  readonly labels?: Readonly<Record<string, string>>;
  /** The container's own STOPSIGNAL (Docker's default is SIGTERM). */
  readonly stopSignal?: string;
  /** Start it right away; true unless told (false leaves it created, i.e. stopped). */
  readonly start?: boolean;
}

/**
 * Creates (and by default starts) a container from the test image on the host network, removed
 * when the test ends, and returns its name (which is also its WorkloadRef id). Apps inside must
 * listen on 127.0.0.1: tests never reach any other address.
 */
export async function runContainer(t: Cleanup, opts: RunContainerOptions): Promise<string> {
  const cmd = opts.cmd ?? (opts.app ? ['node', `/apps/${opts.app}`] : undefined);
  if (!cmd) throw new Error('runContainer: give cmd or app');
  const image = opts.image ?? await ensureTestImage();
  const base = opts.name ?? opts.app?.replace(/\.js$/, '') ?? 'app';
  const suffix = opts.randomSuffix === false ? '' : `-${randomBytes(4).toString('hex')}`;
  const name = `${CONTAINER_PREFIX}${base}${suffix}`;
  t.after(() => removeContainer(name));
  const hc = opts.healthcheck;
  const container = await testDocker().createContainer({
    name,
    Image: image,
    Cmd: cmd,
    Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: { [TEST_LABEL]: 'true', [TEST_RUN_LABEL]: process.env['DROWSE_TEST_RUN'] ?? 'local', ...opts.labels },
    ...(opts.stopSignal ? { StopSignal: opts.stopSignal } : {}),
    ...(hc ? {
      Healthcheck: {
        Test: hc.test,
        Interval: ms(hc.intervalMs ?? 500),
        Timeout: ms(hc.timeoutMs ?? 2000),
        Retries: hc.retries ?? 3,
        StartPeriod: ms(hc.startPeriodMs ?? 0),
      },
    } : {}),
    HostConfig: {
      NetworkMode: 'host',
      Binds: [`${APPS_DIR}:/apps:ro`, ...(opts.binds ?? [])],
    },
  });
  if (opts.start !== false) await container.start();
  return name;
}

/** Docker's State.Status of a container (created, running, paused, restarting, exited, dead), or 'missing'. */
export async function containerState(name: string): Promise<string> {
  try {
    return (await testDocker().getContainer(name).inspect()).State.Status;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return 'missing';
    throw err;
  }
}

/** Runs the docker CLI (as a person would) and returns its stdout; fails with its stderr. */
export async function dockerCli(args: readonly string[]): Promise<string> {
  try {
    return (await execFile('docker', [...args])).stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`docker ${args.join(' ')} failed: ${stderr || String(err)}`, { cause: err });
  }
}

/** Removes a container, running or not; a container that is already gone is fine. */
export async function removeContainer(name: string): Promise<void> {
  try {
    await testDocker().getContainer(name).remove({ force: true, v: true });
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    // 404: gone already; 409: removal already in progress.
    if (status !== 404 && status !== 409) throw err;
  }
}

/** Docker durations are nanoseconds. */
function ms(value: number): number {
  return value * 1_000_000;
}
