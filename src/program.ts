/** The drowse command line: parses arguments and runs one command (main.ts loads it). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig, formatProblem, configJsonSchema, parseHostPort, EMBEDDED_SOURCE, type DrowseConfig } from './config/index.ts';
import { createLogger, createNotifier, exitOnSignals, Redactor, errorMessage, ListenError, packageRoot, lastResortCollector, MemoryTrim } from './kernel/index.ts';
import { followEvents, formatEventLine, controlRequest, defaultControlSocket, controlSocketOf, ensureSocketFree, ControlSocketTakenError, probeHealth, type ControlTarget } from './control/index.ts';
import { Daemon } from './daemon.ts';
import { unknownCommand, ControlAddressError, EXIT, EXIT_CODES_HELP, explicitTarget, renderStatus, renderFindings, probe, type StatusDocument } from './cli/index.ts';

const version = (JSON.parse(readFileSync(new URL('package.json', packageRoot(import.meta.url)), 'utf8')) as { version: string }).version;

/** Exit codes: 0 ok, 1 runtime failure, 2 invalid config or usage, 3 a failed prerequisite (cli/exit-codes.ts); serve: 130/143 on a second SIGINT/SIGTERM (kernel/shutdown.ts). */
const EXIT_FAILURE = EXIT.FAILURE;
const EXIT_INVALID = EXIT.INVALID;
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
  // SIGHUP's default is to end the process: during start-up a reload request must not do that.
  // One that arrives before the daemon is up is remembered and done once it is.
  let hupBeforeStart = false;
  let reload: () => void = () => (hupBeforeStart = true);
  process.on('SIGHUP', () => reload());
  const { config, warnings } = await configOrExit(file);
  // Secrets can reach a log line by any road (a probe URL in an error, say), so whole lines are redacted.
  const redactor = new Redactor(config.secrets ?? []);
  const log = createLogger(config.log, undefined, redactor);
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
  const daemon = new Daemon({
    config,
    log,
    version,
    redactor,
    // A reload looks the config up again, as the start did: a file that appears is found.
    load: () => loadConfig(file === undefined ? {} : { file }),
    ...(config.source === EMBEDDED_SOURCE ? {} : { watch: path.resolve(config.source) }),
    // systemd hears RELOADING=1 while a reloaded config is put in force, READY=1 after it.
    notify: { reloading: () => notifier.reloading(), ready: (summary) => notifier.ready(summary) },
  });
  const starting = daemon.start();
  let signalled = false;
  let trim: MemoryTrim | undefined;
  // Installed before start() resolves: a signal while it binds waits for it, then stops as usual.
  exitOnSignals({
    log,
    // The stop cuts requests at shutdown_timeout; the rest (feeds, control API) needs moments.
    deadlineMs: config.shutdownTimeoutMs + SHUTDOWN_SLACK_MS,
    stop: async () => {
      signalled = true;
      trim?.stop();
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
  // Start-up (above all with many services), reloads and waves of requests leave V8 holding pages it
  // no longer needs: given back once drowse has been quiet for a while (src/kernel/memory-trim.ts).
  const collect = lastResortCollector();
  if (collect) {
    trim = new MemoryTrim({ collect, log });
    trim.start();
  } else log.debug({}, 'memory trim unavailable: V8 lent no gc()');
  reload = () => void daemon.reload('signal');
  if (hupBeforeStart) reload();
}

async function check(file: string | undefined, opts: { probe?: boolean; json?: boolean } = {}): Promise<void> {
  const { config, warnings } = await configOrExit(file);
  for (const w of warnings) process.stderr.write(`drowse: warning: ${w}\n`);
  const names = config.services.map((s) => s.name).join(', ') || 'none';
  if (!opts.probe) {
    process.stdout.write(`${config.source}: ok (${config.services.length} service(s): ${names})\n`);
    return;
  }
  const results = await probe(config);
  const failed = results.filter((r) => !r.ok && r.severity !== 'warning');
  if (opts.json) process.stdout.write(`${JSON.stringify({ config: config.source, ok: failed.length === 0, prerequisites: results }, null, 2)}\n`);
  else {
    process.stdout.write(`${config.source}: config ok (${config.services.length} service(s): ${names})\n`);
    for (const r of results) process.stdout.write(`${r.ok ? 'ok     ' : r.severity === 'warning' ? 'warning' : 'FAILED '}  ${r.name}${r.ok ? '' : ` [${r.code ?? ''}]`}\n`);
    const notOk = results.filter((r) => !r.ok);
    if (notOk.length > 0) process.stdout.write(`\n${renderFindings(notOk)}\n`);
  }
  // Engine clients may keep sockets open; the answer is complete.
  process.exit(failed.length === 0 ? EXIT.OK : EXIT.PREREQUISITE);
}

/** --control, else $DROWSE_CONTROL, else the config; $DROWSE_TOKEN wins over the config's token. */
async function controlTarget(file: string | undefined, flag?: string): Promise<ControlTarget> {
  const explicit = explicitTarget(flag);
  if (explicit) return explicit;
  const result = await loadConfig(file === undefined ? {} : { file });
  if (!result.ok) {
    // Falling back to the default socket would ask some other drowse, or none, and hide the typo.
    for (const p of result.problems) process.stderr.write(`${formatProblem(p)}\n`);
    process.stderr.write(`drowse: cannot find the control API: ${result.problems.length} problem(s) in ${result.source}\n`);
    process.exit(EXIT_INVALID);
  }
  const c = result.config.control;
  const listen = c.listen ? parseHostPort(c.listen) : undefined;
  const token = process.env.DROWSE_TOKEN || c.token;
  if (listen) return { listen, ...(token ? { token } : {}) };
  return { socket: c.socket ?? defaultControlSocket(), ...(process.env.DROWSE_TOKEN ? { token: process.env.DROWSE_TOKEN } : {}) };
}

/** `drowse health`: only the exit code matters to a HEALTHCHECK; the reason goes to stderr, kept in Docker's health log. */
async function health(file: string | undefined, flag?: string): Promise<void> {
  const result = await probeHealth(await controlTarget(file, flag));
  if (result.ok) return;
  process.stderr.write(`drowse: unhealthy: ${result.error}\n`);
  process.exitCode = EXIT_FAILURE;
}

const program = new Command()
  .name('drowse')
  .description('Scale-to-zero reverse proxy: sleeps idle containers and wakes them on the first request.')
  .version(version, '-v, --version')
  .showHelpAfterError()
  .addHelpText('after', EXIT_CODES_HELP);

program.command('serve', { isDefault: true }).description('run the proxy').option('-c, --config <file>', 'config file').action(async (o: { config?: string }) => serve(o.config));
program
  .command('check')
  .description('validate a config; exit 0 when valid, 2 when not; with --probe also check the prerequisites (engines, ports, directories, open files): 3 when one fails')
  .option('-c, --config <file>', 'config file')
  .option('--probe', 'also check what drowse needs of this host, as it does at start')
  .option('--json', 'with --probe: print the results as JSON')
  .action(async (o: { config?: string; probe?: boolean; json?: boolean }) => check(o.config, o));
program.command('schema').description('print the JSON Schema of the config').action(() => {
  process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
});
program
  .command('status')
  .description('show services, states and providers of the running daemon')
  .option('-c, --config <file>', 'config file (to find the control API)')
  .option('--control <where>', 'control API: a socket path or http://host:port (else $DROWSE_CONTROL, else the config)')
  .option('--json', 'print the /status document as JSON')
  .action(async (o: { config?: string; control?: string; json?: boolean }) => {
    const s = await controlRequest(await controlTarget(o.config, o.control), 'GET', '/status');
    if (o.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    else process.stdout.write(renderStatus(s as StatusDocument));
  });
for (const verb of ['wake', 'sleep'] as const) {
  program
    .command(`${verb} <name>`)
    .description(verb === 'wake' ? 'wake a service and wait until it is ready' : 'put a service to sleep now')
    .option('-c, --config <file>', 'config file (to find the control API)')
    .option('--control <where>', 'control API: a socket path or http://host:port')
    .action(async (name: string, o: { config?: string; control?: string }) => {
      const s = (await controlRequest(await controlTarget(o.config, o.control), 'POST', `/services/${encodeURIComponent(name)}/${verb}`)) as { state: string };
      process.stdout.write(`${name}: ${s.state}\n`);
    });
}
program
  .command('reload')
  .description('ask the running daemon to reload its config (as SIGHUP does); exit 1 with every problem when the new config is refused')
  .option('-c, --config <file>', 'config file (to find the control API)')
  .option('--control <where>', 'control API: a socket path or http://host:port')
  .option('--json', 'print the answer as JSON')
  .action(async (o: { config?: string; control?: string; json?: boolean }) => {
    const answer = await controlRequest(await controlTarget(o.config, o.control), 'POST', '/reload');
    process.stdout.write(o.json ? `${JSON.stringify(answer, null, 2)}\n` : 'reloaded\n');
  });

program
  .command('events')
  .description("follow every service's events live (like docker events) until Ctrl-C; recent ones first")
  .option('-c, --config <file>', 'config file (to find the control API)')
  .option('--json', 'print each event as one JSON line, as the event log writes it')
  .action(async (o: { config?: string; json?: boolean }) => {
    const ac = new AbortController();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => ac.abort());
    await followEvents(await controlTarget(o.config), {
      signal: ac.signal,
      onEvent: (m) => process.stdout.write(`${o.json ? m.data : formatEventLine(m.data)}\n`),
      onStatus: (st) => process.stderr.write(st.connected ? 'drowse: event stream back\n' : `drowse: ${st.error ?? 'event stream lost'}; retrying in ${Math.round((st.retryInMs ?? 0) / 100) / 10}s\n`),
    });
  });

program
  .command('health')
  .description("exit 0 when the running daemon's control API answers, 1 when not (for Docker's HEALTHCHECK); prints nothing on success")
  .option('-c, --config <file>', 'config file (to find the control API)')
  .option('--control <where>', 'control API: a socket path or http://host:port')
  .action(async (o: { config?: string; control?: string }) => health(o.config, o.control));

const unknown = unknownCommand(program, process.argv.slice(2));
if (unknown !== undefined) {
  process.stderr.write(`drowse: ${unknown}\n`);
  process.exit(EXIT_INVALID);
}
program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`drowse: ${errorMessage(err)}\n`);
  // A refused reload says why, problem by problem, with positions.
  const problems = (err as { body?: { problems?: unknown } } | null)?.body?.problems;
  if (Array.isArray(problems)) for (const p of problems) process.stderr.write(`  ${typeof p === 'string' ? p : JSON.stringify(p)}\n`);
  process.exit(err instanceof ControlAddressError ? EXIT_INVALID : EXIT_FAILURE);
});
