export { createLogger, silentLogger, type Logger, type LogOptions } from './log.ts';
export { systemClock, setLongTimeout, MAX_TIMER_MS, type Clock } from './clock.ts';
export { formatDuration } from './duration.ts';
export { Backoff, SupervisedLoop, sleep, type BackoffOptions, type LoopStatus, type AttemptContext, type SupervisedLoopOptions } from './backoff.ts';
export { Redactor, REDACTED, MIN_SECRET_LENGTH } from './redact.ts';
export { WarnLimiter } from './limiter.ts';
export { errorMessage } from './errors.ts';
export { listening, ListenError, type ListenSite } from './listen.ts';
export { createNotifier, notifySettings, monotonicUsec, Notifier, type NotifierOptions, type NotifySettings, type DatagramSend } from './notify.ts';
