#!/usr/bin/env node
/** The drowse command line: parses arguments and runs one command. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { loadConfig, formatProblem, configJsonSchema, parseHostPort, type DrowseConfig } from './config/index.ts';
import { createLogger, createNotifier, exitOnSignals, Redactor, errorMessage, ListenError } from './kernel/index.ts';
import { controlRequest, defaultControlSocket, controlSocketOf, ensureSocketFree, ControlSocketTakenError, probeHealth, type ControlTarget } from './control/index.ts';
import { Daemon } from './daemon.ts';
import { unknownCommand } from './cli/index.ts';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Exit codes: 0 ok, 1 runtime failure, 2 invalid config or usage; serve: 130/143 on a second SIGINT/SIGTERM (kernel/shutdown.ts). */
const EXIT_FAILURE = 1;
const EXIT_INVALID = 2;
/** How long past shutdown_timeout a shutdown may take before drowse exits 1 anyway. */
const SHUTDOWN_SLACK_MS = 5_000;

/** The config, or every problem printed and exit 2. Warnings are returned: serve logs them, check prints them. */
async function configOrExit(file: string | undefined): Promise<{ config: DrowseConfig; warnings: readonly string[] }> {
  const result = await loadConfig(file === undefined ? {} : { file });
  if (!result.ok) {
    for (const p of result.problems) process.stderr.write(`${formatProblem(p)}\n`);
    process.stderr.write(`drowse: ${result.problems.length} problem(s) in ${result.source}\n`);
    process.exit(EXIT_INVALID);
  }
  return { config: result.config, warnings: result.warnings };
}

async function serve(file: string | undefined): Promise<void> {
  const { config, warnings } = await configOrExit(file);
  // Secrets can reach a log line by any road (a probe URL in an error, say), so whole lines are redacted.
  const log = createLogger(config.log, undefined, new Redactor(config.secrets ?? []));
  // Into the log, not onto stderr as text: a collector reading JSON lines must not meet a plain one.
  for (const w of warnings) log.warn({ config: config.source }, `config warning: ${w}`);
  if (config.source === '(embedded default)') {
    log.info({}, 'no config file found (-c, $DROWSE_CONFIG, ./drowse.yaml, /etc/drowse/drowse.yaml): using the embedded default');
  }
  // Before anything binds: a second drowse on the same socket must not take it from the first.
  const socket = controlSocketOf(config.control);
  const taken = socket === undefined ? undefined : await ensureSocketFree(socket).then(() => undefined, (err: unknown) => err);
  if (taken instanceof ControlSocketTakenError) {
    log.fatal({ socket }, taken.message);
    process.exitCode = EXIT_FAILURE;
    return;
  }
  // Read before anything binds; a no-op outside systemd (no NOTIFY_SOCKET).
  const notifier = await createNotifier({ env: process.env, log });
  const daemon = new Daemon({ config, log, version });
  const starting = daemon.start();
  let signalled = false;
  // Installed before start() resolves: a signal while it binds waits for it, then stops as usual.
  exitOnSignals({
    log,
    // The stop cuts requests at shutdown_timeout; the rest (feeds, control API) needs moments.
    deadlineMs: config.shutdownTimeoutMs + SHUTDOWN_SLACK_MS,
    stop: async () => {
      signalled = true;
      if (await starting.then(() => false, () => true)) throw new Error('drowse could not start');
      notifier.stopping();
      await daemon.stop();
      await notifier.flush();
    },
  });
  try {
    await starting;
  } catch (err) {
    // An address in use is the user's to fix in the config: one line naming the key, no stack.
    if (err instanceof ListenError) log.fatal({ key: err.key, address: err.address, code: err.code }, err.message);
    else log.fatal({ err }, 'drowse could not start');
    process.exitCode = EXIT_FAILURE;
    return;
  }
  if (signalled) return;
  // Every listener is bound once start() resolved: only now may systemd start what comes After= drowse.
  notifier.ready(daemon.summary());
  notifier.startWatchdog();
  notifier.trackStatus(() => daemon.summary());
}

async function check(file: string | undefined): Promise<void> {
  const { config, warnings } = await configOrExit(file);
  for (const w of warnings) process.stderr.write(`drowse: warning: ${w}\n`);
  const names = config.services.map((s) => s.name).join(', ') || 'none';
  process.stdout.write(`${config.source}: ok (${config.services.length} service(s): ${names})\n`);
}

async function controlTarget(file: string | undefined): Promise<ControlTarget> {
  const result = await loadConfig(file === undefined ? {} : { file });
  if (!result.ok) {
    // Falling back to the default socket would ask some other drowse, or none, and hide the typo.
    for (const p of result.problems) process.stderr.write(`${formatProblem(p)}\n`);
    process.stderr.write(`drowse: cannot find the control API: ${result.problems.length} problem(s) in ${result.source}\n`);
    process.exit(EXIT_INVALID);
  }
  const c = result.config.control;
  const listen = c.listen ? parseHostPort(c.listen) : undefined;
  if (listen) return { listen, ...(c.token ? { token: c.token } : {}) };
  return { socket: c.socket ?? defaultControlSocket() };
}

/** `drowse health`: only the exit code matters to a HEALTHCHECK; the reason goes to stderr, kept in Docker's health log. */
async function health(file: string | undefined): Promise<void> {
  const result = await probeHealth(await controlTarget(file));
  if (result.ok) return;
  process.stderr.write(`drowse: unhealthy: ${result.error}\n`);
  process.exitCode = EXIT_FAILURE;
}

interface StatusView {
  version: string;
  uptime_s: number;
  providers: Array<{ name: string; online: boolean; last_error?: string }>;
  services: Array<{ name: string; state: string; in_flight?: number; sleeps_at?: string; reason?: string; source?: string; problems?: string[] }>;
}

function printStatus(s: StatusView): void {
  process.stdout.write(`drowse ${s.version}, up ${s.uptime_s}s\n\nPROVIDER  ONLINE  LAST ERROR\n`);
  for (const p of s.providers) process.stdout.write(`${p.name.padEnd(9)} ${String(p.online).padEnd(7)} ${p.last_error ?? ''}\n`);
  process.stdout.write(`\nSERVICE              SOURCE  STATE        IN-FLIGHT  SLEEPS AT\n`);
  for (const v of s.services) {
    process.stdout.write(`${v.name.padEnd(20)} ${(v.source ?? '').padEnd(7)} ${v.state.padEnd(12)} ${String(v.in_flight ?? '').padEnd(10)} ${v.sleeps_at ?? ''}${v.reason ? `  (${v.reason})` : ''}\n`);
    for (const p of v.problems ?? []) process.stdout.write(`  ${p}\n`);
  }
}

const program = new Command()
  .name('drowse')
  .description('Scale-to-zero reverse proxy: sleeps idle containers and wakes them on the first request.')
  .version(version, '-v, --version')
  .showHelpAfterError();

program.command('serve', { isDefault: true }).description('run the proxy').option('-c, --config <file>', 'config file').action(async (o: { config?: string }) => serve(o.config));
program.command('check').description('validate a config; exit 0 when valid, 2 when not').option('-c, --config <file>', 'config file').action(async (o: { config?: string }) => check(o.config));
program.command('schema').description('print the JSON Schema of the config').action(() => {
  process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
});
program
  .command('status')
  .description('show services, states and providers of the running daemon')
  .option('-c, --config <file>', 'config file (to find the control API)')
  .option('--json', 'print JSON')
  .action(async (o: { config?: string; json?: boolean }) => {
    const s = await controlRequest(await controlTarget(o.config), 'GET', '/status');
    if (o.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    else printStatus(s as StatusView);
  });
for (const verb of ['wake', 'sleep'] as const) {
  program
    .command(`${verb} <name>`)
    .description(verb === 'wake' ? 'wake a service and wait until it is ready' : 'put a service to sleep now')
    .option('-c, --config <file>', 'config file (to find the control API)')
    .action(async (name: string, o: { config?: string }) => {
      const s = (await controlRequest(await controlTarget(o.config), 'POST', `/services/${encodeURIComponent(name)}/${verb}`)) as { state: string };
      process.stdout.write(`${name}: ${s.state}\n`);
    });
}

program
  .command('health')
  .description("exit 0 when the running daemon's control API answers, 1 when not (for Docker's HEALTHCHECK); prints nothing on success")
  .option('-c, --config <file>', 'config file (to find the control API)')
  .action(async (o: { config?: string }) => health(o.config));

const unknown = unknownCommand(program, process.argv.slice(2));
if (unknown !== undefined) {
  process.stderr.write(`drowse: ${unknown}\n`);
  process.exit(EXIT_INVALID);
}
program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`drowse: ${errorMessage(err)}\n`);
  process.exit(EXIT_FAILURE);
});
