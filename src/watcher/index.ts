export { ConfigWatcher, type ConfigWatcherOptions, type SourceStatus, type WatchedSource } from './watcher.ts';
export { Reloader, type ReloaderOptions, type ReloadStatus, type ReloadTrigger } from './reload.ts';
export { discoveryLoops } from './loops.ts';
