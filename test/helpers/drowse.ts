/** Runs a real drowse daemon in the test process, on ephemeral ports, from a YAML config. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { parseConfig, formatProblem, derivedConfig, type DrowseConfig, type LoadResult } from '../../src/config/index.ts';
import type { ReloadStatus } from '../../src/watcher/index.ts';
import { createLogger, Redactor, type Clock } from '../../src/kernel/index.ts';
import type { BackendRegistry, ProviderSettings } from '../../src/provider/index.ts';
import { Daemon } from '../../src/daemon.ts';

/** A started daemon and where to reach it. */
export interface RunningDrowse {
  readonly daemon: Daemon;
  readonly port: number;
  readonly controlSocket: string;
  stop(): Promise<void>;
  /** Reloads with `yaml` in place of the one started with (entrypoint and control socket as before unless it names them). */
  reloadWith(yaml: string): Promise<ReloadStatus>;
}

/**
 * Starts drowse with `yaml` (entrypoint and control socket are filled in) and stops it when the test ends.
 * Logs go to stderr when DROWSE_TEST_LOG is set (e.g. DROWSE_TEST_LOG=debug npm test).
 */
export async function startDrowse(
  t: TestContext | { after(fn: () => Promise<void>): void },
  yaml: string,
  opts: {
    sseHeartbeatMs?: number;
    httpPort?: number;
    wakeBackoff?: { initialMs: number; maxMs: number };
    /** Extra environment for ${VAR} expansion. */
    env?: NodeJS.ProcessEnv;
    /** Receives every log line (at debug level), redacted as `drowse serve` redacts them. */
    logTo?: NodeJS.WritableStream;
    /** Backends to build providers with (tests register the fake one); the built-in ones unless told. */
    backends?: BackendRegistry;
    /**
     * Replaces the config's providers (kind → entries), for kinds the config file does not know,
     * such as `{ fake: [{ name: 'local' }] }`. Services keep naming their workload as the file does.
     */
    providers?: Readonly<Record<string, readonly ProviderSettings[]>>;
    clock?: Clock;
    /** How long requests to a service whose provider is offline are held before a 503. */
    offlineHoldMs?: number;
  } = {},
): Promise<RunningDrowse> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-test-'));
  const controlSocket = path.join(dir, 'control.sock');
  // The test's log level, written into the config too, so that a reload (which sets the level) keeps it.
  const level = (opts.logTo ? 'debug' : process.env.DROWSE_TEST_LOG ?? 'silent') as 'silent';
  const withHead = (text: string) =>
    `${/^entrypoints:/m.test(text) ? '' : `entrypoints: { http: "127.0.0.1:${opts.httpPort ?? 0}" }\n`}${/^log:/m.test(text) ? '' : `log: { level: ${level} }\n`}control: { socket: ${JSON.stringify(controlSocket)} }\n${text}`;
  const full = withHead(yaml);
  const result = parseConfig(full, 'test.yaml', { ...process.env, ...opts.env });
  if (!result.ok) throw new Error(`test config is invalid:\n${result.problems.map(formatProblem).join('\n')}\n---\n${full}`);
  let next = yaml;
  const load = async (): Promise<LoadResult> => {
    const r = parseConfig(withHead(next), 'test.yaml', { ...process.env, ...opts.env });
    return r.ok && opts.providers ? { ...r, config: derivedConfig(r.config, { providers: opts.providers as DrowseConfig['providers'] }) } : r;
  };
  const log = createLogger({ level, format: 'json' }, opts.logTo ?? process.stderr, new Redactor(result.config.secrets ?? []));
  // The config type knows only the kinds the file format has; a test kind is set past it.
  const config = opts.providers ? derivedConfig(result.config, { providers: opts.providers as DrowseConfig['providers'] }) : result.config;
  const daemon = new Daemon({
    config,
    log,
    version: 'test',
    probeTimeoutMs: 1000,
    ...(opts.sseHeartbeatMs ? { sseHeartbeatMs: opts.sseHeartbeatMs } : {}),
    ...(opts.wakeBackoff ? { wakeBackoff: opts.wakeBackoff } : {}),
    ...(opts.backends ? { backends: opts.backends } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    load,
    ...(opts.offlineHoldMs === undefined ? {} : { offlineHoldMs: opts.offlineHoldMs }),
  });
  await daemon.start();
  const port = daemon.httpAddress()?.port;
  if (!port) throw new Error('drowse did not bind its http entrypoint');
  const stop = async () => {
    await daemon.stop();
    await fs.rm(dir, { recursive: true, force: true });
  };
  t.after(stop);
  const reloadWith = (yaml: string) => {
    next = yaml;
    return daemon.reload('api');
  };
  return { daemon, port, controlSocket, stop, reloadWith };
}
