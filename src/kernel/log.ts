import { pino, type Logger } from 'pino';
import type { Redactor } from './redact.ts';

export type { Logger };

/** Options for the process logger; mirrors the config's `log` block. */
export interface LogOptions {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  format: 'json' | 'pretty';
}

/**
 * Builds the structured logger. `pretty` is for people at a terminal; JSON is for everything else.
 * With a redactor every finished line passes through it, whatever field or error carried a secret.
 */
export function createLogger(opts: LogOptions, destination?: NodeJS.WritableStream, redactor?: Redactor): Logger {
  const base = {
    level: opts.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(redactor ? { hooks: { streamWrite: (line: string) => redactor.redact(line) } } : {}),
  };
  if (opts.format === 'pretty') {
    const transport = pino.transport({ target: 'pino-pretty', options: { colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l' } });
    return pino(base, transport);
  }
  // Synchronous: pino's asynchronous stdout lets fatal (which flushes at once) and the flush at
  // exit overtake a write still in flight, so the last lines, the ones that say why drowse
  // stopped, came out of order. drowse logs events, not every request: the cost is small.
  return pino(base, destination ? (destination as pino.DestinationStream) : pino.destination({ dest: 1, sync: true }));
}

/** A logger that writes nothing, for tests that do not read logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
