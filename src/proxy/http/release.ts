/**
 * Held requests are let go to a just-woken app the way TCP's slow start sends packets: a few at
 * first, and one more for each that the app answers, so the window doubles every round trip. A
 * thousand requests held through a wake would otherwise reach a fresh app in one burst, overflow
 * its accept queue (busybox httpd listens with a backlog of a few) and come back as resets and
 * SYN retries seconds later. Requests that arrive while the service is ready never wait here.
 *
 * Slow start alone grows until the app's queue overflows, and an overflowing listen queue drops
 * SYNs in silence: the request that hit it is answered a second or more later (the SYN retry),
 * not refused. So a late answer is the loss signal, as in TCP Reno: an answer much slower than the
 * fastest seen halves the window, once per round (only requests sent after the last cut count),
 * and from there the window grows by one per window's worth of answers instead of one per answer.
 */

/** The largest window: past this the app is clearly keeping up. */
const MAX_WINDOW = 4096;
/** An answer is late when it took this many times the fastest answer, and at least LATE_MIN_MS. */
const LATE_FACTOR = 4;
/** Below this an answer is never late: a busy app's own pace, not a lost SYN (the first retry is at 1 s). */
const LATE_MIN_MS = 250;

/** One service's release of held requests; drained when nothing is in it. */
export class ReleaseGate {
  #window: number;
  readonly #initial: number;
  /** Past this the window grows linearly (congestion avoidance); set by the first late answer. */
  #threshold = MAX_WINDOW;
  /** Fractional growth in congestion avoidance: a whole request per window's worth of answers. */
  #credit = 0;
  #fastestMs = Infinity;
  /** When the window was last cut: answers to requests sent before it do not cut it again. */
  #cutAt = -Infinity;
  #active = 0;
  readonly #queue: Array<{ readonly go: () => void }> = [];
  readonly #onDrained: () => void;
  readonly #now: () => number;

  /** `initial` requests go at once; `onDrained` is told when none is active or waiting. */
  constructor(initial: number, onDrained: () => void = () => undefined, now: () => number = () => performance.now()) {
    this.#window = Math.max(1, initial);
    this.#initial = this.#window;
    this.#onDrained = onDrained;
    this.#now = now;
  }

  /** Requests sent and not yet answered, and requests waiting their turn. */
  get load(): { readonly active: number; readonly waiting: number; readonly window: number } {
    return { active: this.#active, waiting: this.#queue.length, window: this.#window };
  }

  /**
   * Resolves when this request may go, with the function to call once the app answered it (or it
   * ended without an answer): idempotent. Rejects with the signal's reason if it ends first.
   */
  enter(signal: AbortSignal): Promise<(answered?: boolean) => void> {
    signal.throwIfAborted();
    if (this.#active < this.#window) return Promise.resolve(this.#admit());
    return new Promise((resolve, reject) => {
      const entry = {
        go: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.#admit());
        },
      };
      const onAbort = () => {
        const at = this.#queue.indexOf(entry);
        if (at >= 0) this.#queue.splice(at, 1);
        reject(signal.reason);
        this.#drained();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(entry);
    });
  }

  #admit(): (answered?: boolean) => void {
    this.#active++;
    const sentAt = this.#now();
    let done = false;
    return (answered = true) => {
      if (done) return;
      done = true;
      this.#active--;
      // A request that ended unanswered (the client left, the upstream failed) frees its place
      // without moving the window.
      if (answered) this.#answered(sentAt, this.#now() - sentAt);
      while (this.#active < this.#window && this.#queue.length > 0) this.#queue.shift()?.go();
      this.#drained();
    };
  }

  #answered(sentAt: number, tookMs: number): void {
    this.#fastestMs = Math.min(this.#fastestMs, tookMs);
    if (tookMs >= Math.max(LATE_MIN_MS, LATE_FACTOR * this.#fastestMs)) {
      if (sentAt >= this.#cutAt) {
        this.#threshold = Math.max(this.#initial, Math.floor(this.#window / 2));
        this.#window = this.#threshold;
        this.#credit = 0;
        this.#cutAt = this.#now();
      }
      return;
    }
    // Slow start: one more per answer. Past the threshold: one more per window of answers.
    if (this.#window < this.#threshold) this.#window++;
    else if ((this.#credit += 1 / this.#window) >= 1) {
      this.#credit = 0;
      this.#window++;
    }
    this.#window = Math.min(MAX_WINDOW, this.#window);
  }

  #drained(): void {
    if (this.#active === 0 && this.#queue.length === 0) this.#onDrained();
  }
}
