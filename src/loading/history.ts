/**
 * The history of a service's current wake, replayed to every SSE subscriber before live events so
 * a page that connects late still learns `ready` or `error`. better-sse has no replay of its own.
 * Bounded: a flapping service cannot grow it without limit.
 */
import type { WakeEvent } from '../service/index.ts';

/** A ring buffer of the events since the last `waking`. */
export class WakeHistory {
  private readonly capacity: number;
  private readonly ring: WakeEvent[] = [];

  constructor(capacity = 64) {
    if (capacity < 1) throw new RangeError('wake history: capacity must be at least 1');
    this.capacity = capacity;
  }

  /** Records an event; a new wake starts a new history. */
  push(event: WakeEvent): void {
    if (event.type === 'waking') this.ring.length = 0;
    this.ring.push(event);
    if (this.ring.length > this.capacity) this.ring.shift();
  }

  /** Events after `lastId` (the SSE Last-Event-ID of a reconnecting client), oldest first; all when absent. */
  since(lastId?: number): WakeEvent[] {
    return lastId === undefined ? [...this.ring] : this.ring.filter((e) => e.id > lastId);
  }
}
