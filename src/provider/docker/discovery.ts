/**
 * Label discovery on one Docker engine: lists the containers labelled drowse.enable and reads what
 * deriving their targets needs. It only reads; which of them become services is the config's call.
 */
import type Docker from 'dockerode';
import { ENABLE_LABEL, isEnabled, type LabelledWorkload } from '../../config/index.ts';
import type { Discovery } from '../backend.ts';
import { toProviderError } from './errors.ts';
import { reachOf } from './reach.ts';

/** Options of {@link DockerDiscovery}. */
export interface DockerDiscoveryOptions {
  readonly provider: string;
  readonly docker: Docker;
  /** The network drowse shares with the containers (`providers.docker.NAME.network`). */
  readonly network?: string;
  /** Deadline of each engine call. */
  readonly callTimeoutMs?: number;
  /** With `events: poll`, the poll interval: listings repeat this often. */
  readonly pollMs?: number;
}

/** Lists labelled containers; `stillEnabled` re-reads one container's labels before drowse acts on it. */
export class DockerDiscovery implements Discovery {
  readonly #opts: DockerDiscoveryOptions;
  readonly pollMs?: number;

  constructor(opts: DockerDiscoveryOptions) {
    this.#opts = opts;
    if (opts.pollMs !== undefined) this.pollMs = opts.pollMs;
  }

  async list(signal?: AbortSignal): Promise<LabelledWorkload[]> {
    const { docker, provider, network } = this.#opts;
    const s = this.#deadline(signal);
    try {
      const found = await docker.listContainers({ all: true, filters: { label: [ENABLE_LABEL] }, abortSignal: s });
      const enabled = found.filter((c) => isEnabled(c.Labels ?? {}));
      // Inspect gives the settings a stopped container keeps; list has them only while it runs.
      const infos = await Promise.all(enabled.map((c) => docker.getContainer(c.Id).inspect({ abortSignal: s }).catch(() => undefined)));
      return infos.flatMap((info) => {
        if (!info) return []; // removed between the list and the inspect: the destroy event follows
        const id = info.Name.replace(/^\//, '');
        return [{ provider, id, labels: { ...info.Config.Labels }, reach: (port: number) => reachOf(info, port, network) }];
      });
    } catch (err) {
      throw toProviderError(err, { provider, op: 'discover' });
    }
  }

  async stillEnabled(id: string, signal?: AbortSignal): Promise<boolean> {
    const { docker, provider } = this.#opts;
    try {
      const info = await docker.getContainer(id).inspect({ abortSignal: this.#deadline(signal) });
      return isEnabled(info.Config.Labels ?? {});
    } catch (err) {
      const e = toProviderError(err, { provider, op: 'inspect', ref: id });
      if (e.reason === 'not_found') return false;
      throw e;
    }
  }

  #deadline(signal?: AbortSignal): AbortSignal {
    const timeout = AbortSignal.timeout(this.#opts.callTimeoutMs ?? 30_000);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
  }
}
