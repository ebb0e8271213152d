export { createLogger, silentLogger, type Logger, type LogOptions } from './log.ts';
