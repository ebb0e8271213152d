/**
 * The history of a service's current wake, replayed to every SSE subscriber before live events so
 * a page that connects late still learns `ready` or `error`. better-sse has no replay of its own.
 * Bounded: a flapping service cannot grow it without limit.
 */
import type { ShownEvent as WakeEvent } from './events.ts';

/**
 * A ring buffer of the current episode: the events since the last `waking` or `stopping`. Starting
 * over at `stopping` matters: a page served while the service stops must not see the `ready` of
 * the wake before and load an app that is going away.
 */
export class WakeHistory {
  private readonly capacity: number;
  private readonly ring: WakeEvent[] = [];

  constructor(capacity = 64) {
    if (capacity < 1) throw new RangeError('wake history: capacity must be at least 1');
    this.capacity = capacity;
  }

  /** Records an event; a new wake or stop starts a new history. */
  push(event: WakeEvent): void {
    if (event.type === 'waking' || event.type === 'stopping') this.ring.length = 0;
    this.ring.push(event);
    if (this.ring.length > this.capacity) this.ring.shift();
  }

  /**
   * Events after `lastId` (the SSE Last-Event-ID of a reconnecting client), oldest first; all when
   * absent. An id newer than anything here was handed out by an earlier drowse process (ids start
   * over at 1 on restart), so that client gets everything.
   */
  since(lastId?: number): WakeEvent[] {
    const newest = this.ring.at(-1)?.id ?? 0;
    if (lastId === undefined || !Number.isSafeInteger(lastId) || lastId > newest) return [...this.ring];
    return this.ring.filter((e) => e.id > lastId);
  }
}
