import { closest } from './suggest.ts';

/**
 * The signal names the Docker engine accepts for stop and kill on Linux (moby's signal map). A name
 * it does not know gets a 400 at every idle stop, so the service would never sleep; `drowse check`
 * refuses it instead. Names are written as in `docker kill -s`, with SIG, in capitals.
 */
const BASE = [
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL',
  'PROF', 'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1',
  'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ', 'RTMIN', 'RTMAX',
];
const REALTIME = [
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
];
export const DOCKER_SIGNALS: ReadonlySet<string> = new Set([...BASE, ...REALTIME].map((s) => `SIG${s}`));

/** What is wrong with a stop_signal that has the SIG shape, or undefined when Docker knows it. */
export function signalProblem(name: string): string | undefined {
  if (DOCKER_SIGNALS.has(name)) return undefined;
  const near = closest(name, BASE.map((s) => `SIG${s}`), 1);
  return near !== undefined
    ? `unknown signal "${name}" (did you mean "${near}"?)`
    : `unknown signal "${name}"; use one Docker accepts, like SIGTERM, SIGINT, SIGQUIT, SIGHUP or SIGUSR1`;
}
