/**
 * What drowse needs of the host to serve (an engine it may talk to, free ports, a control socket
 * directory, enough file descriptors, a writable event log directory), checked at start and by
 * `drowse check --probe`. A failed check is a finding with a stable code and a hint an operator can
 * act on; none of them stops drowse from starting.
 */

/** Why a check failed, for the log, /status and the CLI. */
export interface Finding {
  /** Stable: scripts and docs may rely on it (`engine_permission_denied`, `nofile_low`, ...). */
  readonly code: string;
  /** What was found, naming the thing (socket, address, directory). */
  readonly message: string;
  /** What to do about it. */
  readonly hint: string;
  /** `error`: a part of drowse cannot work until it is fixed; `warning`: it works, within limits. */
  readonly severity: 'error' | 'warning';
}

/** One check. Adding a check is adding one of these to the list in checks.ts. */
export interface Prerequisite {
  /** Names what is checked: `engine "local"`, `entrypoints.http`, `open files`. */
  readonly name: string;
  /**
   * On this host only and quick (a bind, a stat): run before drowse binds anything. Others (an
   * engine across a network) run in the background and never hold the start up.
   */
  readonly local: boolean;
  /** The condition can clear up while drowse runs (an engine that comes back): re-checked until it passes. */
  readonly recovers: boolean;
  /** Resolves with a finding, or undefined when all is well. */
  check(signal: AbortSignal): Promise<Finding | undefined>;
}

/** A check's last outcome, as /status and `drowse check --probe --json` show it. */
export interface PrerequisiteResult {
  readonly name: string;
  readonly ok: boolean;
  readonly code?: string;
  readonly severity?: Finding['severity'];
  readonly message?: string;
  readonly hint?: string;
  readonly checked_at: string;
}
