import type Docker from 'dockerode';
import type { Container } from 'dockerode';
import type { Logger } from '../../kernel/index.ts';
import { PassThrough } from 'node:stream';
import type { ExecResult, Provider, StopOptions, StopReport, WorkloadRef, WorkloadState, WorkloadStatus } from '../provider.ts';
import { createDockerClient, type DockerConnectionOptions } from './client.ts';
import { dockerProviderError, statusCodeOf, toProviderError, type CallSite } from './errors.ts';
import { couldBeIdPrefix, isNamed, sameSignal, signalNumber, statusFromInspect, stopTakesSignal } from './inspect.ts';
import { withDeadline } from '../deadline.ts';

/** Options of a {@link DockerProvider}. */
export interface DockerProviderOptions extends DockerConnectionOptions {
  /** The provider's name in the config (`local`). */
  readonly name: string;
  readonly log: Logger;
  /** Deadline of every call; a stop gets its grace period on top. 30 s unless told. */
  readonly callTimeoutMs?: number;
  /** A client built elsewhere (tests); otherwise one is built from socket/url/tls. */
  readonly docker?: Docker;
}

const NOT_MODIFIED = 304;
const CONFLICT = 409;
/**
 * Statuses that may mean "already there" for pause/unpause/kill: 409, and 500 because Docker 20.10
 * (API 1.41) answers unpause of a container that is not paused with a 500. Either way the
 * container's state is checked before the failure is forgiven.
 */
const MAYBE_ALREADY = new Set([CONFLICT, 500]);
const SIGKILL = signalNumber('SIGKILL');
/** What a process killed by SIGKILL exits with, as Docker records it: 128 + 9. */
const EXIT_SIGKILL = 137;

/**
 * The Provider for one Docker engine. A ref's id is the container name. Every call runs under a
 * deadline, and failures are ProviderErrors whose message names provider, operation and container.
 */
export class DockerProvider implements Provider {
  readonly kind = 'docker';
  readonly name: string;
  readonly #docker: Docker;
  readonly #log: Logger;
  readonly #callTimeoutMs: number;
  #apiVersion: Promise<string> | undefined;

  constructor(opts: DockerProviderOptions) {
    this.name = opts.name;
    this.#log = opts.log.child({ provider: opts.name });
    this.#callTimeoutMs = opts.callTimeoutMs ?? 30_000;
    // No socket idle timeout: each call carries its own AbortSignal deadline, which must be able to
    // outlast a long stop grace period without the socket giving up first.
    this.#docker = opts.docker ?? createDockerClient({ name: opts.name, socket: opts.socket, url: opts.url, tls: opts.tls });
  }

  async status(ref: WorkloadRef, signal?: AbortSignal): Promise<WorkloadStatus> {
    return this.#call('status', ref, this.#callTimeoutMs, signal, async (s) => {
      const info = await this.#inspect(ref.id, s);
      return info ? statusFromInspect(info) : { state: 'missing' };
    });
  }

  async start(ref: WorkloadRef, signal?: AbortSignal): Promise<void> {
    await this.#call('start', ref, this.#callTimeoutMs, signal, async (s) => {
      const container = await this.#container(ref, 'start', s);
      await alreadyDone(container.start({ abortSignal: s }));
    });
  }

  /**
   * Graceful stop. API 1.42+ takes the signal on the stop call itself. Older engines (Debian 12's
   * docker.io speaks 1.41) ignore it and always send the container's own STOPSIGNAL, so when the
   * asked signal differs we send it with kill, wait out the grace period, and only then let stop
   * kill it — stop rather than a bare SIGKILL, because stop also tells Docker's restart policy
   * that the exit was intended.
   */
  async stop(ref: WorkloadRef, opts: StopOptions): Promise<StopReport> {
    const graceMs = Math.max(0, opts.timeoutMs);
    // The engine holds the stop request open for the whole grace period: the deadline must outlast it.
    return this.#call('stop', ref, graceMs + this.#callTimeoutMs, undefined, async (s) => {
      const container = await this.#container(ref, 'stop', s);
      const t = Math.ceil(graceMs / 1000);
      const started = performance.now();
      if (stopTakesSignal(await this.#api(s))) {
        const stopped = await alreadyDone(container.stop({ t, signal: opts.signal, abortSignal: s }));
        return { killed: stopped && (await this.#killedAfterGrace(ref, performance.now() - started, t * 1000, s)) };
      }
      const info = await container.inspect({ abortSignal: s });
      if (!info.State.Running) return { killed: false };
      // @types/dockerode leaves StopSignal out of the inspect type; the engine sends it when the image or run set one.
      const own = (info.Config as { StopSignal?: string }).StopSignal || 'SIGTERM';
      if (sameSignal(opts.signal, own)) {
        const stopped = await alreadyDone(container.stop({ t, abortSignal: s }));
        return { killed: stopped && (await this.#killedAfterGrace(ref, performance.now() - started, t * 1000, s)) };
      }
      // A frozen process cannot act on a signal; docker stop unpauses first for the same reason.
      if (info.State.Paused) await this.#orAlready(container.unpause({ abortSignal: s }), ref, s, (st) => st.state !== 'paused');
      try {
        await container.kill({ signal: opts.signal, abortSignal: s });
      } catch (err) {
        if (statusCodeOf(err) !== CONFLICT) throw err; // 409: it exited on its own meanwhile
      }
      const exited = await waitNotRunning(container, graceMs, s);
      try {
        await alreadyDone(container.stop({ t: 0, abortSignal: s }));
      } catch (err) {
        if (statusCodeOf(err) !== 404) throw err; // removed on exit (--rm)
      }
      // Still running when the grace period ended: the stop with t=0 just killed it.
      return { killed: !exited };
    });
  }

  /**
   * Whether `docker stop` had to kill: the engine does not say, so it is read from the result. The
   * process ended by SIGKILL (exit 137, not the OOM killer) and only once the grace period was over;
   * an earlier 137 was the app's own doing, or stop_signal was SIGKILL.
   */
  async #killedAfterGrace(ref: WorkloadRef, elapsedMs: number, graceMs: number, signal: AbortSignal): Promise<boolean> {
    if (elapsedMs < graceMs) return false;
    const info = await this.#inspect(ref.id, signal).catch(() => undefined);
    return info !== undefined && info.State.ExitCode === EXIT_SIGKILL && !info.State.OOMKilled;
  }

  async pause(ref: WorkloadRef): Promise<void> {
    await this.#call('pause', ref, this.#callTimeoutMs, undefined, async (s) => {
      const container = await this.#container(ref, 'pause', s);
      await this.#orAlready(container.pause({ abortSignal: s }), ref, s, (st) => st.state === 'paused');
    });
  }

  async unpause(ref: WorkloadRef, signal?: AbortSignal): Promise<void> {
    await this.#call('unpause', ref, this.#callTimeoutMs, signal, async (s) => {
      const container = await this.#container(ref, 'unpause', s);
      await this.#orAlready(container.unpause({ abortSignal: s }), ref, s, (st) => st.state === 'running');
    });
  }

  /**
   * Sends a signal. Killing a container that is not running succeeds (there is nothing left to
   * signal). For SIGKILL it resolves once the container is down, so the caller sees it stopped.
   */
  async kill(ref: WorkloadRef, signal: string): Promise<void> {
    await this.#call('kill', ref, this.#callTimeoutMs, undefined, async (s) => {
      const container = await this.#container(ref, 'kill', s);
      await this.#orAlready(container.kill({ signal, abortSignal: s }), ref, s, (st) => st.state !== 'running' && st.state !== 'paused');
      if (signalNumber(signal) === SIGKILL) await waitNotRunning(container, this.#callTimeoutMs, s);
    });
  }

  /**
   * Every container of the engine by name (a container with several names is listed under each),
   * running, paused or else stopped: what the poll feed diffs in `events: poll` mode.
   */
  async list(signal?: AbortSignal): Promise<ReadonlyMap<string, WorkloadState>> {
    return this.#run({ provider: this.name, op: 'list' }, this.#callTimeoutMs, signal, async (s) => {
      const list = await this.#docker.listContainers({ all: true, abortSignal: s } as Docker.ContainerListOptions);
      const states = new Map<string, WorkloadState>();
      for (const c of list) {
        const state: WorkloadState = c.State === 'running' ? 'running' : c.State === 'paused' ? 'paused' : 'stopped';
        for (const n of c.Names ?? []) states.set(n.replace(/^\//, ''), state);
      }
      return states;
    });
  }

  /**
   * Runs a command in the running container (a health check) and returns its exit code and the
   * tail of its output. The caller's signal ends the wait; Docker has no way to kill an exec, so a
   * hanging command is left behind inside the container.
   */
  async exec(ref: WorkloadRef, command: readonly string[], signal?: AbortSignal): Promise<ExecResult> {
    return this.#call('exec', ref, this.#callTimeoutMs, signal, async (s) => {
      const container = await this.#container(ref, 'exec', s);
      const exec = await container.exec({ Cmd: [...command], AttachStdout: true, AttachStderr: true, abortSignal: s } as Docker.ExecCreateOptions);
      const stream = await exec.start({ hijack: true, stdin: false, abortSignal: s } as Docker.ExecStartOptions);
      const out = new PassThrough();
      let output = '';
      out.on('data', (c: Buffer) => (output = (output + c.toString('utf8')).slice(-4096)));
      this.#docker.modem.demuxStream(stream, out, out);
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          stream.destroy();
          reject(s.reason);
        };
        s.addEventListener('abort', onAbort, { once: true });
        stream.once('end', () => resolve());
        stream.once('close', () => resolve());
        stream.once('error', reject);
      }).finally(() => stream.destroy());
      // The output can end a moment before the engine records the exit code.
      for (let i = 0; ; i++) {
        const info = await exec.inspect({ abortSignal: s } as Parameters<typeof exec.inspect>[0]);
        if (!info.Running && info.ExitCode !== null) return { exitCode: info.ExitCode, output };
        if (i >= 40) throw dockerProviderError({ provider: this.name, op: 'exec', ref: ref.id }, 'failed', 'the command ended its output but never exited');
        await new Promise((r) => setTimeout(r, 25));
      }
    });
  }

  /** Runs one operation under a deadline and the caller's signal, mapping every failure to a ProviderError. */
  async #call<T>(op: string, ref: WorkloadRef, timeoutMs: number, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const site: CallSite = { provider: this.name, op, ref: ref.id };
    if (ref.provider !== this.name) {
      throw dockerProviderError(site, 'failed', `the ref belongs to provider "${ref.provider}"`);
    }
    return this.#run(site, timeoutMs, signal, fn);
  }

  /** #call without a container: the deadline, the caller's signal and the error mapping. */
  async #run<T>(site: CallSite, timeoutMs: number, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { op, ref: id } = site;
    const started = performance.now();
    try {
      return await withDeadline(timeoutMs, signal, fn, (err, facts) => {
        const error = toProviderError(err, site, facts);
        this.#log.debug({ op, container: id, err: error }, 'docker call failed');
        return error;
      });
    } finally {
      this.#log.trace({ op, container: id, ms: Math.round(performance.now() - started) }, 'docker call');
    }
  }

  /** Inspects the container the name means; undefined when there is none. */
  async #inspect(id: string, signal: AbortSignal): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      const info = await this.#docker.getContainer(id).inspect({ abortSignal: signal });
      return isNamed(info, id) ? info : undefined;
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * The container to act on. A hex-only name could be taken by Docker as the ID prefix of another
   * container when ours is gone, so such names are resolved to the exact ID first.
   */
  async #container(ref: WorkloadRef, op: string, signal: AbortSignal): Promise<Container> {
    if (!couldBeIdPrefix(ref.id)) return this.#docker.getContainer(ref.id);
    const info = await this.#inspect(ref.id, signal);
    if (!info) throw dockerProviderError({ provider: this.name, op, ref: ref.id }, 'not_found', 'no such container', { statusCode: 404 });
    return this.#docker.getContainer(info.Id);
  }

  /** The engine's API version, asked once (again after a failure). */
  async #api(signal: AbortSignal): Promise<string> {
    // @types/dockerode omits version()'s options, but dockerode passes abortSignal through.
    const docker = this.#docker as unknown as { version(opts: { abortSignal: AbortSignal }): Promise<Docker.DockerVersion> };
    this.#apiVersion ??= docker.version({ abortSignal: signal }).then((v) => v.ApiVersion);
    try {
      return await this.#apiVersion;
    } catch (err) {
      this.#apiVersion = undefined;
      throw err;
    }
  }

  /** Runs `call`; a refusal is success when the container is already where the call would put it. */
  async #orAlready(call: Promise<unknown>, ref: WorkloadRef, signal: AbortSignal, done: (status: WorkloadStatus) => boolean): Promise<void> {
    try {
      await call;
    } catch (err) {
      if (!MAYBE_ALREADY.has(statusCodeOf(err) ?? 0)) throw err;
      const info = await this.#inspect(ref.id, signal);
      if (!done(info ? statusFromInspect(info) : { state: 'missing' })) throw err;
    }
  }
}

/** Awaits a start or stop, where 304 means the work was already done; true when this call did it. */
async function alreadyDone(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (err) {
    if (statusCodeOf(err) !== NOT_MODIFIED) throw err;
    return false;
  }
}

/** Resolves true when the container is not running, false when `ms` passed first (no error then). */
async function waitNotRunning(container: Container, ms: number, signal: AbortSignal): Promise<boolean> {
  const grace = AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, ms))]);
  try {
    await container.wait({ condition: 'not-running', abortSignal: grace });
    return true;
  } catch (err) {
    if (statusCodeOf(err) === 404) return true; // removed on exit (--rm): down is down
    if (signal.aborted || !grace.aborted) throw err;
    return false;
  }
}
