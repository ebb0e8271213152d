/**
 * A guest's config lock (`/run/lock/lxc/pve-config-{vmid}.lock`): PVE's workers take it for the
 * length of an action, so a second action waits behind a running shutdown and gives up after a
 * timeout (10 s in PVE) with the flock error.
 */
export class ConfigLock {
  private held = false;
  private readonly waiters: (() => void)[] = [];
  private readonly vmid: number;

  constructor(vmid: number) {
    this.vmid = vmid;
  }

  /** Waits for the lock; the returned function releases it. */
  acquire(timeoutMs: number, sleep: (ms: number) => Promise<void>): Promise<() => void> {
    const release = (): void => {
      const next = this.waiters.shift();
      if (next) next();
      else this.held = false;
    };
    if (!this.held) {
      this.held = true;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const waiter = (): void => resolve(release);
      this.waiters.push(waiter);
      void sleep(timeoutMs).then(() => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        reject(new Error(`can't lock file '/run/lock/lxc/pve-config-${this.vmid}.lock' - got timeout`));
      });
    });
  }
}
