/** The CLI's exit codes, in one place: `--help` lists them from here. */
export const EXIT = {
  OK: 0,
  /** A runtime failure: the daemon could not start or be reached, a wake failed, a reload was refused. */
  FAILURE: 1,
  /** An invalid config or a usage error. */
  INVALID: 2,
  /** `drowse check --probe`: the config is valid but a prerequisite failed (an engine, a port, a directory). */
  PREREQUISITE: 3,
} as const;

/** The text `--help` ends with. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  runtime failure: drowse could not start, the control API could not be reached or answered an
     error (a failed wake, a refused reload)
  2  invalid config or usage
  3  check --probe: the config is valid but a prerequisite failed

Finding the control API (status, wake, sleep, reload, health): --control PATH|http://HOST:PORT,
else $DROWSE_CONTROL, else the config's control section (-c, $DROWSE_CONFIG, ./drowse.yaml, ...).
The bearer token for a TCP control API is $DROWSE_TOKEN, else the config's control.token.
`;
