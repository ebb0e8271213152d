/**
 * The event log: JSON lines appended to one file, rotated by size, pruned by age and by a cap on
 * the file and its rotated siblings together.
 *
 * It must never hold up a request, so append() only queues: it returns at once, and one loop does
 * every disk operation (open, write, rotate, prune) in turn. The queue is bounded in lines and
 * bytes; when the disk is slow, stalled (a hung NFS mount, a FIFO nobody reads) or full, lines are
 * dropped and counted rather than buffered without end. Serial I/O also means a stalled disk ties
 * up one thread of libuv's pool, not all of them.
 */
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { systemClock, type Clock } from './clock.ts';
import { errorMessage } from './errors.ts';
import { WarnLimiter } from './limiter.ts';
import type { Logger } from './log.ts';

/** What the writer is built from. */
export interface EventLogWriterOptions {
  /** The file lines are appended to; rotated files sit beside it as `<path>.<UTC time>`. */
  readonly path: string;
  /** The file is rotated before a write would take it past this. */
  readonly maxSizeBytes: number;
  /** The file and its rotated files together are kept under this; the oldest rotated go first. */
  readonly maxTotalBytes: number;
  /** Rotated files last written longer ago than this are deleted. */
  readonly retentionMs: number;
  readonly log: Logger;
  /** For the names of rotated files and the retention cutoff. */
  readonly clock?: Clock;
  /** Lines waiting for the disk; more are dropped (1000). */
  readonly maxQueuedLines?: number;
  /** Bytes waiting for the disk; more are dropped (1 MiB). */
  readonly maxQueuedBytes?: number;
  /** Told how many lines were just dropped (the metric counts them). */
  readonly onDrop?: (lines: number) => void;
  /** How often retention is applied while nothing rotates (1 h). */
  readonly pruneIntervalMs?: number;
  /** How long stop() waits for queued lines to reach the disk (2 s); the rest are dropped. */
  readonly flushTimeoutMs?: number;
}

/** The writer's state, for /status. */
export interface EventLogStatus {
  readonly path: string;
  readonly queued: number;
  readonly dropped: number;
  readonly written: number;
  readonly last_error?: string;
}

interface Queued {
  readonly text: string;
  readonly bytes: number;
}

/** A rotated file's name after the live file's: `events.jsonl.2026-11-22T10-00-00.000Z` (and `-1`... on a clash). */
const ROTATED = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z(?:-\d+)?$/;

/** Appends JSON lines without ever blocking its caller. */
export class EventLogWriter {
  private readonly opts: EventLogWriterOptions;
  private readonly clock: Clock;
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly warnings: WarnLimiter;
  private queue: Queued[] = [];
  private queuedBytes = 0;
  /** The batch the disk has now: it still counts against the queue's bounds. */
  private inFlight = { lines: 0, bytes: 0 };
  private handle: FileHandle | undefined;
  /** Bytes in the live file, as far as this writer knows. */
  private size = 0;
  private running: Promise<void> | undefined;
  private initDue = true;
  private pruneDue = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private droppedLines = 0;
  private writtenLines = 0;
  private lastError: string | undefined;

  constructor(opts: EventLogWriterOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.maxLines = opts.maxQueuedLines ?? 1000;
    this.maxBytes = opts.maxQueuedBytes ?? 1024 * 1024;
    this.warnings = new WarnLimiter({ clock: this.clock });
  }

  /** Lines dropped so far (queue full, disk error, or still queued at stop). */
  get dropped(): number {
    return this.droppedLines;
  }

  /** The writer as /status shows it. */
  status(): EventLogStatus {
    return {
      path: this.opts.path,
      queued: this.queue.length + this.inFlight.lines,
      dropped: this.droppedLines,
      written: this.writtenLines,
      ...(this.lastError === undefined ? {} : { last_error: this.lastError }),
    };
  }

  /**
   * Creates the directory, reads the live file's size and applies retention; resolves when that is
   * done or has failed (logged: a writer that cannot write drops and counts, it never throws).
   */
  async start(): Promise<void> {
    this.timer ??= setInterval(() => {
      this.pruneDue = true;
      this.kick();
    }, this.opts.pruneIntervalMs ?? 3_600_000).unref();
    this.kick();
    await this.running;
  }

  /** Queues one line (a newline is added); returns false, and counts it, when it was dropped. Never waits. */
  append(line: string): boolean {
    const text = line.endsWith('\n') ? line : `${line}\n`;
    const bytes = Buffer.byteLength(text);
    if (this.closed) return this.drop(1, 'the event log is closed');
    if (this.queue.length + this.inFlight.lines >= this.maxLines || this.queuedBytes + this.inFlight.bytes + bytes > this.maxBytes) return this.drop(1, 'the disk is not keeping up: queue full');
    this.queue.push({ text, bytes });
    this.queuedBytes += bytes;
    this.kick();
    return true;
  }

  /** Writes what is queued (for at most flushTimeoutMs), then closes the file; what is left is dropped. Idempotent. */
  async stop(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    const running = this.running;
    if (running) {
      let timeout: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => (timeout = setTimeout(resolve, this.opts.flushTimeoutMs ?? 2000).unref()));
      await Promise.race([running, timedOut]);
      clearTimeout(timeout);
    }
    if (this.queue.length > 0) {
      const left = this.queue.length;
      this.queue = [];
      this.queuedBytes = 0;
      this.drop(left, 'still queued at shutdown');
    }
    // A write stuck in the kernel keeps the handle; closing under it would fail the same way.
    if (this.running === undefined) await this.close();
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.loop();
  }

  /** The one place that touches the disk; it ends (and clears `running` in the same tick) when there is nothing to do. */
  private async loop(): Promise<void> {
    try {
      while (this.initDue || this.pruneDue || this.queue.length > 0) {
        if (this.initDue) {
          this.initDue = false;
          await this.init();
          continue;
        }
        if (this.pruneDue) {
          this.pruneDue = false;
          await this.prune();
          continue;
        }
        const first = this.queue[0];
        if (first && this.size > 0 && this.size + first.bytes > this.opts.maxSizeBytes) await this.rotate();
        await this.writeBatch(this.takeBatch());
      }
    } catch (err) {
      // Every step catches its own failures; reaching here is a bug, and must not kill the process.
      this.fail('event log loop failed', err);
    } finally {
      this.running = undefined;
    }
  }

  /** Queued lines that fit in the live file (at least one, so a line longer than max_size still gets written). */
  private takeBatch(): Queued[] {
    let bytes = 0;
    let n = 0;
    for (const q of this.queue) {
      if (n > 0 && this.size + bytes + q.bytes > this.opts.maxSizeBytes) break;
      bytes += q.bytes;
      n++;
    }
    const batch = this.queue.splice(0, n);
    this.queuedBytes -= bytes;
    return batch;
  }

  private async init(): Promise<void> {
    try {
      await fs.mkdir(path.dirname(this.opts.path), { recursive: true, mode: 0o750 });
      this.size = await fs.stat(this.opts.path).then((s) => s.size, () => 0);
      await this.prune();
    } catch (err) {
      this.fail('event log could not be prepared', err);
    }
  }

  private async writeBatch(batch: readonly Queued[]): Promise<void> {
    if (batch.length === 0) return;
    const buffer = Buffer.from(batch.map((q) => q.text).join(''));
    this.inFlight = { lines: batch.length, bytes: buffer.length };
    try {
      this.handle ??= await fs.open(this.opts.path, 'a', 0o640);
      let offset = 0;
      while (offset < buffer.length) offset += (await this.handle.write(buffer, offset)).bytesWritten;
      this.size += buffer.length;
      this.writtenLines += batch.length;
      this.lastError = undefined;
    } catch (err) {
      this.drop(batch.length, `write failed: ${errorMessage(err)}`);
      this.lastError = errorMessage(err);
      // Reopened on the next batch: the file may have been removed, or the disk remounted.
      await this.close();
    } finally {
      this.inFlight = { lines: 0, bytes: 0 };
    }
  }

  /** Moves the live file aside under its UTC time and applies retention and the total cap. */
  private async rotate(): Promise<void> {
    await this.close();
    const stamp = new Date(this.clock.now()).toISOString().replaceAll(':', '-');
    try {
      let target = `${this.opts.path}.${stamp}`;
      for (let n = 1; await exists(target); n++) target = `${this.opts.path}.${stamp}-${n}`;
      await fs.rename(this.opts.path, target);
      this.size = 0;
    } catch (err) {
      // Appending on to the live file keeps lines; it is retried at the next write.
      this.fail('event log could not be rotated', err);
      return;
    }
    await this.prune();
  }

  /**
   * Deletes rotated files past retention, then the oldest until they leave room for a full live
   * file under max_total: the cap then holds at every moment, not only right after a rotation.
   */
  private async prune(): Promise<void> {
    const dir = path.dirname(this.opts.path);
    const base = `${path.basename(this.opts.path)}.`;
    const cutoff = this.clock.now() - this.opts.retentionMs;
    try {
      const names = (await fs.readdir(dir)).filter((n) => n.startsWith(base) && ROTATED.test(n.slice(base.length))).sort(byStamp(base.length));
      const rotated: Array<{ file: string; size: number }> = [];
      for (const name of names) {
        const file = path.join(dir, name);
        const st = await fs.stat(file).catch(() => undefined);
        if (!st) continue;
        if (st.mtimeMs < cutoff) await this.remove(file);
        else rotated.push({ file, size: st.size });
      }
      // A live file nobody wrote to within retention holds only lines past it.
      const live = await fs.stat(this.opts.path).catch(() => undefined);
      if (live && live.mtimeMs < cutoff && live.size > 0) {
        await this.close();
        await this.remove(this.opts.path);
        this.size = 0;
      }
      const room = Math.max(0, this.opts.maxTotalBytes - Math.max(this.size, this.opts.maxSizeBytes));
      let total = rotated.reduce((sum, r) => sum + r.size, 0);
      for (const r of rotated) {
        if (total <= room) break;
        await this.remove(r.file);
        total -= r.size;
      }
    } catch (err) {
      this.fail('event log could not be pruned', err);
    }
  }

  private async remove(file: string): Promise<void> {
    await fs.rm(file, { force: true });
    this.opts.log.debug({ file }, 'event log file pruned');
  }

  private async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
  }

  private drop(lines: number, why: string): false {
    this.droppedLines += lines;
    this.opts.onDrop?.(lines);
    const allowed = this.warnings.allow(why);
    if (allowed) this.opts.log.warn({ path: this.opts.path, dropped: lines, dropped_total: this.droppedLines, suppressed: allowed.suppressed }, `event log lines dropped: ${why}`);
    return false;
  }

  private fail(message: string, err: unknown): void {
    this.lastError = errorMessage(err);
    const allowed = this.warnings.allow(message);
    if (allowed) this.opts.log.warn({ path: this.opts.path, err, suppressed: allowed.suppressed }, message);
  }
}

/** Oldest first: by the time in the name, then by the clash counter ("-10" after "-9"). */
function byStamp(prefix: number): (a: string, b: string) => number {
  const key = (n: string) => {
    const [stamp = '', counter = '0'] = n.slice(prefix).split(/Z-?/);
    return { stamp, counter: Number(counter || 0) };
  };
  return (a, b) => {
    const [x, y] = [key(a), key(b)];
    return x.stamp < y.stamp ? -1 : x.stamp > y.stamp ? 1 : x.counter - y.counter;
  };
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(() => true, () => false);
}
