/** What every step of one provider operation on a guest needs. */
import type { StartProgress } from '../provider.ts';
import type { CallSite } from './errors.ts';

/** One operation in flight. */
export interface Op {
  readonly site: CallSite;
  readonly vmid: number;
  readonly signal: AbortSignal;
  /** The lock already logged, so a long backup is said once, not every second. */
  lockLogged?: string;
  /** Told of each lock waited for, so the wake's events say why it waits. */
  readonly progress?: StartProgress;
}

/** What status/current says, leniently read. */
export interface Current {
  readonly running: boolean;
  readonly lock: string | undefined;
}

/** The API path of an LXC guest on a node. */
export function guestPath(node: string, vmid: number): string {
  return `/nodes/${encodeURIComponent(node)}/lxc/${vmid}`;
}
