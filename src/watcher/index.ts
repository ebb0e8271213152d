export { ConfigWatcher, type ConfigWatcherOptions, type SourceStatus, type WatchedSource } from './watcher.ts';
export { discoveryLoops } from './loops.ts';
