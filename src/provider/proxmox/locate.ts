/**
 * Where a guest is. A ref's location is a hint only: a guest that migrated (by hand or by HA) is
 * found through /cluster/resources, and the node each guest was last seen on is kept so that an
 * operation asks the right node first.
 */
import type { Logger } from '../../kernel/index.ts';
import type { WorkloadRef } from '../provider.ts';
import type { PveClient } from './client.ts';
import { isNodeUnreachable, isNotOnNode, pveError } from './errors.ts';
import type { Op } from './op.ts';

/** One LXC guest as /cluster/resources lists it. */
export interface GuestResource {
  readonly node: string;
  /** PVE's word: running, stopped, or (its node offline) unknown. */
  readonly status: string;
}

interface Resource {
  readonly type?: unknown;
  readonly vmid?: unknown;
  readonly node?: unknown;
  readonly status?: unknown;
}

export class Locator {
  readonly #client: PveClient;
  readonly #log: Logger;
  /** vmid → the node it was last seen on; every resources() read refreshes it. */
  readonly #nodes = new Map<number, string>();

  constructor(client: PveClient, log: Logger) {
    this.#client = client;
    this.#log = log;
  }

  /** Notes that the guest answered on `node`. */
  seen(vmid: number, node: string): void {
    this.#nodes.set(vmid, node);
  }

  /** One /cluster/resources read: every LXC guest's node and status. Refreshes the node cache. */
  async resources(signal: AbortSignal): Promise<Map<number, GuestResource>> {
    const data = await this.#client.get<unknown>('/cluster/resources', { type: 'vm' }, signal);
    const out = new Map<number, GuestResource>();
    for (const r of (Array.isArray(data) ? data : []) as Resource[]) {
      if (r === null || typeof r !== 'object' || r.type !== 'lxc') continue;
      const vmid = typeof r.vmid === 'number' ? r.vmid : Number(r.vmid);
      if (!Number.isSafeInteger(vmid) || typeof r.node !== 'string') continue;
      out.set(vmid, { node: r.node, status: typeof r.status === 'string' ? r.status : 'unknown' });
    }
    this.#nodes.clear();
    for (const [vmid, r] of out) this.#nodes.set(vmid, r.node);
    return out;
  }

  /**
   * Runs `fn` on the guest's node: the one last seen, else the ref's location, else the cluster's
   * word. When PVE says the guest is not there (it migrated) or that node cannot be reached (it is
   * offline, and HA may have moved the guest), the cluster is asked once and `fn` runs again on the
   * node it names; still the same node, the first failure stands (595 reads as unreachable).
   */
  async onNode<T>(op: Op, ref: WorkloadRef, fn: (node: string) => Promise<T>): Promise<T> {
    const first = this.#nodes.get(op.vmid) ?? ref.location ?? (await this.locate(op));
    try {
      return await fn(first);
    } catch (err) {
      if (!isNotOnNode(err) && !isNodeUnreachable(err)) throw err;
      const found = await this.locate(op);
      if (found === first) throw err;
      this.#log.debug({ workload: ref.id, from: first, to: found }, 'guest found on another node');
      return fn(found);
    }
  }

  /** The node the cluster says the guest is on; not_found when the cluster has no such LXC guest. */
  async locate(op: Op): Promise<string> {
    const found = (await this.resources(op.signal)).get(op.vmid);
    if (found) return found.node;
    throw pveError(op.site, 'not_found', `no LXC guest with vmid ${op.vmid} in the cluster`, { statusCode: 404 });
  }
}
