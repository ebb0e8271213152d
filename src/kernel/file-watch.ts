/**
 * Watches one file for edits. The directory is watched, not the file: editors and config managers
 * replace a file by writing a new one and renaming it over the old, which ends a watch on the old
 * file's inode. Bursts of events (an editor writes, truncates, renames, touches) settle into one
 * call, and only when the content really changed, so `touch` or a save without edits does nothing.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Logger } from './log.ts';

/** Options of {@link FileWatcher}. */
export interface FileWatcherOptions {
  readonly path: string;
  /** Called once per settled change of the content. */
  readonly onChange: () => void;
  readonly log: Logger;
  /** Quiet time after the last event before the file is read; 200 ms unless told. */
  readonly settleMs?: number;
}

/** One watched file; start() begins, stop() ends (idempotent). */
export class FileWatcher {
  readonly #opts: FileWatcherOptions;
  #watcher: FSWatcher | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #hash: string | undefined;
  #stopped = false;

  constructor(opts: FileWatcherOptions) {
    this.#opts = opts;
  }

  /** Starts watching; the content as it is now is the baseline. */
  async start(): Promise<void> {
    this.#hash = await this.#digest();
    const dir = path.dirname(this.#opts.path);
    const base = path.basename(this.#opts.path);
    try {
      this.#watcher = watch(dir, { persistent: false }, (_event, file) => {
        // Some platforms give no name; then any event in the directory is worth a look.
        if (file === null || file.toString() === base) this.#settle();
      });
      this.#watcher.on('error', (err) => this.#opts.log.warn({ err, path: this.#opts.path }, 'config file watch failed; reload with SIGHUP'));
    } catch (err) {
      this.#opts.log.warn({ err, path: this.#opts.path }, 'config file cannot be watched; reload with SIGHUP');
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#watcher?.close();
  }

  /** After a reload that read the file anyway: the content it read is the new baseline. */
  async rebase(): Promise<void> {
    this.#hash = await this.#digest();
  }

  #settle(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#check(), this.#opts.settleMs ?? 200);
  }

  async #check(): Promise<void> {
    const hash = await this.#digest();
    // Gone for a moment (mid-rename) or unchanged: nothing to reload yet.
    if (this.#stopped || hash === undefined || hash === this.#hash) return;
    this.#hash = hash;
    this.#opts.onChange();
  }

  async #digest(): Promise<string | undefined> {
    try {
      return createHash('sha256').update(await readFile(this.#opts.path)).digest('hex');
    } catch {
      return undefined;
    }
  }
}
