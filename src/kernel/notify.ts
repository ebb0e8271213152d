/**
 * systemd's notify protocol (sd_notify(3)) for a `Type=notify` unit: READY=1, RELOADING=1,
 * STOPPING=1, STATUS= and the watchdog's WATCHDOG=1, each one datagram to $NOTIFY_SOCKET.
 *
 * Node has no unix datagram sockets of its own, so the datagram goes through node-unix-socket
 * (a N-API addon with prebuilt binaries; README "Dependencies" says why that one). It is loaded
 * only when $NOTIFY_SOCKET is set: outside systemd nothing native is touched, and a platform
 * without a prebuilt binary runs on with a warning instead of failing to start.
 * Every method is a no-op without $NOTIFY_SOCKET, and none ever throws: telling systemd is a
 * courtesy that must never take the proxy down.
 */
import type { Logger } from './log.ts';
import { errorMessage } from './errors.ts';
import { WarnLimiter } from './limiter.ts';

/** Sends one datagram to a unix socket address (a path, or "\0name" in the abstract namespace). */
export type DatagramSend = (address: string, message: string) => Promise<void>;

/** Where a notifier reads its settings and how it sends. */
export interface NotifierOptions {
  /** NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID are read from here (process.env in serve). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** This process's pid, which WATCHDOG_PID must name for the watchdog to be ours; process.pid unless told. */
  readonly pid?: number;
  /** How datagrams go out; node-unix-socket unless told. */
  readonly send?: DatagramSend;
}

/** The pieces of the environment systemd sets for a notify unit, read once. */
export interface NotifySettings {
  /** The socket address, "@" already turned into the abstract namespace's leading NUL. */
  readonly address?: string;
  /** Half the watchdog interval (how often to ping), when the watchdog is set and meant for this process. */
  readonly watchdogPingMs?: number;
}

/**
 * Reads $NOTIFY_SOCKET and the watchdog variables as sd_notify(3) and sd_watchdog_enabled(3) do:
 * a socket is a path ("/…") or an abstract name ("@…"); the watchdog counts only when
 * WATCHDOG_USEC is a positive integer and WATCHDOG_PID, when set, is this process.
 */
export function notifySettings(env: NotifierOptions['env'], pid: number): NotifySettings {
  const socket = env['NOTIFY_SOCKET'];
  const address = socket?.startsWith('/') ? socket : socket?.startsWith('@') && socket.length > 1 ? `\0${socket.slice(1)}` : undefined;
  const usec = /^\d+$/.test(env['WATCHDOG_USEC'] ?? '') ? Number(env['WATCHDOG_USEC']) : 0;
  const watchdogPid = env['WATCHDOG_PID'];
  // Set by systemd for the main process only; a child that inherited the variables must not ping in its name.
  const ours = watchdogPid === undefined || watchdogPid === '' || watchdogPid === String(pid);
  // systemd's advice: ping at half the interval, so one late tick does not get the unit killed.
  const watchdogPingMs = address !== undefined && usec > 0 && ours ? Math.max(1, Math.floor(usec / 2000)) : undefined;
  return { ...(address !== undefined ? { address } : {}), ...(watchdogPingMs !== undefined ? { watchdogPingMs } : {}) };
}

/** CLOCK_MONOTONIC in microseconds, which RELOADING=1 carries as MONOTONIC_USEC (libuv's hrtime is that clock on Linux). */
export function monotonicUsec(): bigint {
  return process.hrtime.bigint() / 1000n;
}

/** Tells systemd what drowse is doing. Obtain one with {@link createNotifier}. */
export class Notifier {
  private readonly log: Logger;
  private readonly settings: NotifySettings;
  private readonly send: DatagramSend | undefined;
  private readonly warnings = new WarnLimiter();
  private readonly pending = new Set<Promise<void>>();
  private watchdogTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private lastStatus: string | undefined;
  /** After STOPPING=1 only status lines go out: a reload that ends during the shutdown must not say READY. */
  private stopped = false;

  constructor(log: Logger, settings: NotifySettings, send: DatagramSend | undefined) {
    this.log = log.child({ component: 'sd_notify' });
    this.settings = settings;
    this.send = settings.address !== undefined ? send : undefined;
  }

  /** True when messages go anywhere: $NOTIFY_SOCKET is set and the datagram module loaded. */
  get enabled(): boolean {
    return this.send !== undefined;
  }

  /** How often the watchdog is pinged, when it is on for this process. */
  get watchdogPingMs(): number | undefined {
    return this.enabled ? this.settings.watchdogPingMs : undefined;
  }

  /** READY=1: every listener is bound (at start, and again once a reload is done). */
  ready(status?: string): void {
    if (this.stopped) return;
    this.notify(['READY=1', ...this.statusField(status)]);
  }

  /** RELOADING=1 with the time it began, as Type=notify-reload expects; follow with {@link ready}. */
  reloading(status = 'reloading the config'): void {
    if (this.stopped) return;
    this.notify(['RELOADING=1', `MONOTONIC_USEC=${monotonicUsec()}`, ...this.statusField(status)]);
  }

  /** STOPPING=1: shutting down; systemd then waits for the exit (TimeoutStopSec). */
  stopping(status = 'shutting down'): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopTimers();
    this.notify(['STOPPING=1', ...this.statusField(status)]);
  }

  /** STATUS=<line>, sent only when it differs from the last one sent. */
  status(line: string): void {
    const field = this.statusField(line);
    if (field.length > 0) this.notify(field);
  }

  /**
   * Pings WATCHDOG=1 every half WATCHDOG_USEC from a timer on the event loop: a loop that is
   * blocked pings no more, and systemd restarts the unit, which is the point. No-op when the
   * watchdog is not set for this process.
   */
  startWatchdog(): void {
    const every = this.watchdogPingMs;
    if (every === undefined || this.watchdogTimer) return;
    this.notify(['WATCHDOG=1']);
    // unref: a ping alone must never keep a process alive that is otherwise done.
    this.watchdogTimer = setInterval(() => this.notify(['WATCHDOG=1']), every).unref();
    this.log.debug({ every_ms: every }, 'watchdog pings on');
  }

  /** Sends STATUS=summary() whenever it changes, checked every `everyMs`. */
  trackStatus(summary: () => string, everyMs = 2_000): void {
    if (!this.enabled || this.statusTimer) return;
    this.status(summary());
    this.statusTimer = setInterval(() => this.status(summary()), everyMs).unref();
  }

  /** Resolves once every datagram handed over so far has been sent (or failed). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Stops the watchdog and status timers. */
  close(): void {
    this.stopTimers();
  }

  private stopTimers(): void {
    clearInterval(this.watchdogTimer);
    clearInterval(this.statusTimer);
    this.watchdogTimer = undefined;
    this.statusTimer = undefined;
  }

  private statusField(line: string | undefined): string[] {
    if (line === undefined || !this.enabled) return [];
    // One line: a newline would start another assignment.
    const oneLine = line.replace(/[\r\n]+/g, ' ');
    if (oneLine === this.lastStatus) return [];
    this.lastStatus = oneLine;
    return [`STATUS=${oneLine}`];
  }

  private notify(fields: readonly string[]): void {
    const { send } = this;
    const address = this.settings.address;
    if (!send || address === undefined) return;
    const sent = send(address, fields.join('\n')).catch((err: unknown) => {
      // A socket that went away (systemd restarted) would fail every ping: one line now and then is enough.
      const limited = this.warnings.allow('send');
      if (limited) this.log.warn({ err: errorMessage(err), socket: this.settings.address?.replace('\0', '@'), suppressed: limited.suppressed }, 'could not notify systemd');
    });
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }
}

/**
 * A notifier for this environment. Without $NOTIFY_SOCKET it is a no-op and loads nothing; with it,
 * node-unix-socket is loaded, and if that fails (no prebuilt binary for this platform) drowse runs
 * on with one warning: better unsupervised than not serving.
 */
export async function createNotifier(opts: NotifierOptions): Promise<Notifier> {
  const settings = notifySettings(opts.env, opts.pid ?? process.pid);
  if (settings.address === undefined) {
    if (opts.env['NOTIFY_SOCKET']) opts.log.warn({ socket: opts.env['NOTIFY_SOCKET'] }, 'NOTIFY_SOCKET is neither a path nor an abstract socket (@name): not notifying systemd');
    return new Notifier(opts.log, settings, undefined);
  }
  let send = opts.send;
  if (!send) {
    try {
      send = await unixDatagramSender();
    } catch (err) {
      opts.log.warn({ err: errorMessage(err) }, 'NOTIFY_SOCKET is set but unix datagrams are not available on this platform: not notifying systemd (use Type=exec)');
    }
  }
  return new Notifier(opts.log, settings, send);
}

/** One socket per message, as sd_notify(3) itself does: nothing stays open between pings. */
async function unixDatagramSender(): Promise<DatagramSend> {
  const { DgramSocket } = await import('node-unix-socket');
  return (address, message) =>
    new Promise<void>((resolve, reject) => {
      const socket = new DgramSocket();
      const done = (err?: Error) => {
        socket.close();
        if (err) reject(err);
        else resolve();
      };
      socket.on('error', done);
      try {
        const buf = Buffer.from(message);
        socket.sendTo(buf, 0, buf.length, address, (err) => done(err));
      } catch (err) {
        done(err instanceof Error ? err : new Error(String(err)));
      }
    });
}
