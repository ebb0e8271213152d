/**
 * Loop marks: one random value per forwarded request, live only until the upstream answers (or
 * the client goes). A request that loops back to drowse arrives while its mark is live; a value an
 * upstream saw and replays later is already spent, and no long-lived secret ever leaves the process.
 */
import { randomUUID } from 'node:crypto';

/** Live marks are bounded; past this the oldest go first (they belong to requests long stuck upstream). */
const MAX_LIVE = 65_536;

/** The set of marks of requests in flight to an upstream. */
export class LoopMarks {
  private readonly live = new Set<string>();
  private readonly max: number;

  constructor(max = MAX_LIVE) {
    this.max = max;
  }

  /**
   * A fresh mark, live until spent: 122 random bits. randomUUID draws on a batch of entropy Node
   * keeps for it, where randomBytes(16) asked the CSPRNG once per request (the warm path's profile
   * had that at 4 % of its time).
   */
  issue(): string {
    const mark = randomUUID();
    if (this.live.size >= this.max) {
      const oldest = this.live.values().next().value;
      if (oldest !== undefined) this.live.delete(oldest);
    }
    this.live.add(mark);
    return mark;
  }

  /** True when `header` is a mark still live. */
  has(header: string | string[] | undefined): boolean {
    return typeof header === 'string' && this.live.has(header);
  }

  /** Ends a mark's life; later requests carrying it are not loops. Idempotent. */
  spend(header: string | string[] | undefined): void {
    if (typeof header === 'string') this.live.delete(header);
  }

  /** Marks live right now. */
  get size(): number {
    return this.live.size;
  }
}
