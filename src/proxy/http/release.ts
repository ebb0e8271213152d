/**
 * Held requests are let go to a just-woken app the way TCP's slow start sends packets: a few at
 * first, and one more for each that the app answers, so the window doubles every round trip. A
 * thousand requests held through a wake would otherwise reach a fresh app in one burst, overflow
 * its accept queue (busybox httpd listens with a backlog of a few) and come back as resets and
 * SYN retries seconds later. Requests that arrive while the service is ready never wait here.
 */

/** The largest window: past this the app is clearly keeping up. */
const MAX_WINDOW = 4096;

/** One service's release of held requests; drained when nothing is in it. */
export class ReleaseGate {
  #window: number;
  #active = 0;
  readonly #queue: Array<{ readonly go: () => void }> = [];
  readonly #onDrained: () => void;

  /** `initial` requests go at once; `onDrained` is told when none is active or waiting. */
  constructor(initial: number, onDrained: () => void = () => undefined) {
    this.#window = Math.max(1, initial);
    this.#onDrained = onDrained;
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
    let done = false;
    return (answered = true) => {
      if (done) return;
      done = true;
      this.#active--;
      // An answer says the app keeps up: one more may go. A request that ended unanswered (the
      // client left, the upstream failed) frees its place without growing the window.
      if (answered) this.#window = Math.min(MAX_WINDOW, this.#window + 1);
      while (this.#active < this.#window && this.#queue.length > 0) this.#queue.shift()?.go();
      this.#drained();
    };
  }

  #drained(): void {
    if (this.#active === 0 && this.#queue.length === 0) this.#onDrained();
  }
}
