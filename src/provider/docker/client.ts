import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import { dockerProviderError } from './errors.ts';

/** Where a Docker engine listens, as the config spells it. */
export interface DockerConnectionOptions {
  /** A unix socket path, e.g. /var/run/docker.sock. */
  readonly socket?: string;
  /** `unix:///path`, `tcp://host:port` (TLS when `tls` is given), `http://host:port` or `https://host:port`. */
  readonly url?: string;
  /** File paths of the PEM files for a TLS engine (mutual TLS when cert and key are given). */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
}

/** Options of {@link createDockerClient}. */
export interface DockerClientOptions extends DockerConnectionOptions {
  /** Names the provider in errors. */
  readonly name: string;
  /**
   * Socket idle timeout in ms. Leave it unset for the event stream (it is idle for hours) and for
   * calls that carry their own AbortSignal deadline, as DockerProvider's do.
   */
  readonly idleTimeoutMs?: number;
}

/**
 * Builds a dockerode client. With neither `socket` nor `url`, dockerode's own defaults apply
 * (DOCKER_HOST, else /var/run/docker.sock). Reads the TLS files synchronously, so a bad path is
 * reported when the provider is built, not on the first wake.
 */
export function createDockerClient(opts: DockerClientOptions): Docker {
  if (opts.socket !== undefined && opts.url !== undefined) {
    throw configError(opts.name, 'give either socket or url, not both');
  }
  const timeout = opts.idleTimeoutMs;
  if (opts.socket !== undefined) return new Docker({ ...explicit, socketPath: opts.socket, protocol: 'http', timeout });
  if (opts.url === undefined) return new Docker(timeout === undefined ? {} : { timeout });

  let url: URL;
  try {
    url = new URL(opts.url);
  } catch (cause) {
    throw configError(opts.name, `url "${opts.url}" is not a URL`, cause);
  }
  if (url.protocol === 'unix:') return new Docker({ ...explicit, socketPath: url.pathname, protocol: 'http', timeout });
  if (!['tcp:', 'http:', 'https:'].includes(url.protocol)) {
    throw configError(opts.name, `url "${opts.url}": expected unix://, tcp://, http:// or https://`);
  }
  const tls = opts.tls ? readTls(opts.name, opts.tls) : {};
  const protocol = url.protocol === 'https:' || (url.protocol === 'tcp:' && opts.tls !== undefined) ? 'https' : 'http';
  const port = url.port || (protocol === 'https' ? '2376' : '2375');
  // URL keeps IPv6 brackets in hostname; the http module wants the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Docker({ ...explicit, host, port, protocol, ...tls, timeout });
}

/**
 * dockerode merges DOCKER_HOST / DOCKER_CERT_PATH from the environment under explicit options,
 * so an explicit socket could silently become a TCP host (or a unix socket speak TLS). Naming
 * every connection field, even as undefined, keeps the config authoritative.
 */
const explicit = { host: undefined, port: undefined, socketPath: undefined, ca: undefined, cert: undefined, key: undefined } as const;

function readTls(name: string, tls: NonNullable<DockerConnectionOptions['tls']>): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  for (const field of ['ca', 'cert', 'key'] as const) {
    const path = tls[field];
    if (path === undefined) continue;
    try {
      out[field] = readFileSync(path);
    } catch (cause) {
      throw configError(name, `cannot read tls.${field} "${path}": ${(cause as Error).message}`, cause);
    }
  }
  if ((out.cert === undefined) !== (out.key === undefined)) throw configError(name, 'tls.cert and tls.key go together');
  return out;
}

function configError(name: string, detail: string, cause?: unknown): Error {
  return dockerProviderError({ provider: name, op: 'configure' }, 'config', detail, { cause });
}
