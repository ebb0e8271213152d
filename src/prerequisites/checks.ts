/**
 * The checks, built from the config. Each entry of CHECKS turns the config into zero or more
 * prerequisites; one more check is one more entry.
 */
import fs from 'node:fs/promises';
import { constants, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { formatHostPort, type DrowseConfig, type HostPort } from '../config/index.ts';
import type { Backend } from '../provider/index.ts';
import { errorMessage } from '../kernel/index.ts';
import { engineFinding } from './engine.ts';
import type { Finding, Prerequisite } from './prerequisite.ts';

/** What the checks are built from besides the config. */
export interface CheckDeps {
  /** The configured backends, by provider name. */
  readonly backends: ReadonlyMap<string, Backend>;
  /** The control socket path, when the control API listens on one. */
  readonly controlSocket?: string;
  /** /proc/self/limits' text; read from the system unless told (tests). */
  readonly limits?: () => string | undefined;
  /** Below this soft open-files limit drowse warns; 4096 unless told. */
  readonly minOpenFiles?: number;
}

type Builder = (config: DrowseConfig, deps: CheckDeps) => Prerequisite[];

/** Every check, in the order they are shown. */
export const CHECKS: readonly Builder[] = [engines, entrypointPorts, controlSocketDirectory, eventLogDirectory, openFiles];

/** The prerequisites of this config. */
export function prerequisitesOf(config: DrowseConfig, deps: CheckDeps): Prerequisite[] {
  return CHECKS.flatMap((build) => build(config, deps));
}

/** Each engine answers a listing: reachable, and drowse may use it. */
function engines(_config: DrowseConfig, deps: CheckDeps): Prerequisite[] {
  return [...deps.backends.entries()].flatMap(([name, b]) => {
    const list = b.provider.list?.bind(b.provider);
    if (!list) return [];
    return [{
      name: `engine "${name}"`,
      local: false,
      recovers: true,
      check: async (signal) => {
        try {
          await list(AbortSignal.any([signal, AbortSignal.timeout(5000)]));
          return undefined;
        } catch (err) {
          const advice = b.advise?.(err);
          return advice ? { ...advice, severity: 'error', message: `provider "${name}": ${errorMessage(err)}` } : engineFinding(name, err);
        }
      },
    }];
  });
}

/** Every address drowse will bind is free (or is already drowse's, when asked by the CLI while it runs). */
function entrypointPorts(config: DrowseConfig): Prerequisite[] {
  const sites: Array<{ key: string; at: HostPort }> = [{ key: 'entrypoints.http', at: config.entrypoints.http }];
  for (const s of config.services) if (s.tcp) sites.push({ key: `services.${s.name}.tcp.listen`, at: s.tcp.listen });
  return sites.filter((s) => s.at.port !== 0).map(({ key, at }) => ({
    name: key,
    local: true,
    recovers: false,
    check: () => portFinding(key, at),
  }));
}

function portFinding(key: string, at: HostPort): Promise<Finding | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = formatHostPort(at);
      if (err.code === 'EADDRINUSE') resolve({ code: 'port_in_use', severity: 'error', message: `${key} ${where} is already in use`, hint: `stop what listens there (ss -ltnp 'sport = :${at.port}'; a drowse already running counts) or set ${key} to a free address` });
      else if (err.code === 'EACCES') resolve({ code: 'port_denied', severity: 'error', message: `${key} ${where} may not be bound by this user`, hint: `ports below 1024 need root or CAP_NET_BIND_SERVICE (systemd: AmbientCapabilities=CAP_NET_BIND_SERVICE); or use a port above 1023` });
      else if (err.code === 'EADDRNOTAVAIL') resolve({ code: 'address_unavailable', severity: 'error', message: `${key} ${where} is not an address of this machine`, hint: `set ${key} to an address this machine has (or ":${at.port}" for every address)` });
      else resolve({ code: 'port_unusable', severity: 'error', message: `${key} ${where} cannot be bound: ${err.code ?? err.message}`, hint: `set ${key} to another address` });
    });
    server.listen({ host: at.host || undefined, port: at.port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** The control socket's directory exists and is writable, or can be created. */
function controlSocketDirectory(_config: DrowseConfig, deps: CheckDeps): Prerequisite[] {
  const socket = deps.controlSocket;
  if (socket === undefined) return [];
  const dir = path.dirname(socket);
  return [{
    name: 'control socket directory',
    local: true,
    recovers: false,
    check: async () => {
      const problem = await writableOrCreatable(dir);
      if (!problem) return undefined;
      return { code: 'control_dir_unusable', severity: 'error', message: `control socket directory ${dir}: ${problem}`, hint: `create ${dir} owned by the drowse user (systemd: RuntimeDirectory=drowse) or set control.socket to a path it may write` };
    },
  }];
}

/** The event log's directory, once the config has one (event_log.path). */
function eventLogDirectory(config: DrowseConfig): Prerequisite[] {
  const file = (config as { eventLog?: { path?: string } }).eventLog?.path;
  if (typeof file !== 'string') return [];
  const dir = path.dirname(file);
  return [{
    name: 'event log directory',
    local: true,
    recovers: true,
    check: async () => {
      const problem = await writableOrCreatable(dir);
      if (!problem) return undefined;
      return { code: 'event_log_unwritable', severity: 'error', message: `event log directory ${dir}: ${problem}`, hint: `create ${dir} writable by the drowse user (systemd: StateDirectory=drowse, ReadWritePaths=${dir})` };
    },
  }];
}

/** The soft open-files limit: every connection, held or proxied, is one or two descriptors. */
function openFiles(_config: DrowseConfig, deps: CheckDeps): Prerequisite[] {
  const min = deps.minOpenFiles ?? 4096;
  return [{
    name: 'open files',
    local: true,
    recovers: false,
    check: async () => {
      const text = (deps.limits ?? readLimits)();
      const match = /^Max open files\s+(\d+|unlimited)/m.exec(text ?? '');
      if (!match || match[1] === 'unlimited') return undefined;
      const soft = Number(match[1]);
      if (soft >= min) return undefined;
      return { code: 'nofile_low', severity: 'warning', message: `the open-files limit is ${soft}: drowse serves about ${Math.max(16, Math.floor((soft - 64) / 2))} connections at once`, hint: `raise LimitNOFILE (systemd: LimitNOFILE=65536; a shell: ulimit -n 65536) to at least ${min}` };
    },
  }];
}

function readLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}

/** Undefined when `dir` is a writable directory or the nearest existing parent would let drowse create it; else why not. */
async function writableOrCreatable(dir: string): Promise<string | undefined> {
  for (let at = dir; ; at = path.dirname(at)) {
    const st = await fs.stat(at).catch((err: NodeJS.ErrnoException) => err);
    if (st instanceof Error) {
      if (st.code === 'ENOENT' && path.dirname(at) !== at) continue;
      return `${at}: ${st.code ?? st.message}`;
    }
    if (!st.isDirectory()) return `${at} is not a directory`;
    const denied = await fs.access(at, constants.W_OK | constants.X_OK).then(() => undefined, (err: NodeJS.ErrnoException) => err.code ?? err.message);
    if (denied) return at === dir ? `not writable by this user (${denied})` : `does not exist, and ${at} is not writable by this user to create it (${denied})`;
    return undefined;
  }
}
