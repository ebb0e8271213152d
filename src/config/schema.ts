import * as z from 'zod';
import { ADDRESS_MESSAGE, parseHostPort } from './address.ts';
import { signalProblem } from './signals.ts';
import { DURATION_MESSAGE, DURATION_PATTERN, durationMs, MAX_DURATION, parseDuration } from './duration.ts';
import { SIZE_MESSAGE, tryParseSize } from './size.ts';

/**
 * The config file format: one zod schema that is at once the validator, the defaults and the
 * documentation (`drowse schema` renders it as JSON Schema). It describes the file as written —
 * strings for durations and addresses — and resolve.ts turns its output into DrowseConfig.
 */

/** The socket a docker provider uses when it names neither socket nor url. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** Defaults that cross-checks compare against, named once. */
export const DEFAULT_WAKE_TIMEOUT = '2m';
export const DEFAULT_PROBE_TIMEOUT = '5s';

/** Service and provider names: what can safely appear in paths, labels, metrics and URLs. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

const HOST_PATTERN = /^(?:\*\.)?[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const HOST_MESSAGE = 'expected a host name like app.lan or *.app.lan';
const TARGET_MESSAGE = 'expected an http:// URL with host and port, like http://127.0.0.1:18080';
const ENGINE_URL_MESSAGE = 'expected an engine URL with host and port, like tcp://nas.lan:2376';
const SIGNAL_MESSAGE = 'expected a signal name like SIGTERM';

// A schema-level message would also replace "required"; leave missing values to the general map.
function unless(message: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? undefined : message);
}

function name(what: string) {
  return z.string().regex(NAME_PATTERN, `${what} names use a-z, 0-9, "_" and "-", and start with a letter or digit`);
}

/** A duration key: longer than 0, at most max (default MAX_DURATION), at least min where less cannot work. */
function duration(description: string, bounds: { readonly min?: string; readonly max?: string } = {}) {
  const max = bounds.max ?? MAX_DURATION;
  const [minMs, maxMs] = [bounds.min === undefined ? 1 : parseDuration(bounds.min), parseDuration(max)];
  const range = bounds.min === undefined ? ` At most ${max}.` : ` From ${bounds.min} to ${max}.`;
  return z
    .string({ error: unless(DURATION_MESSAGE) })
    .regex(DURATION_PATTERN, DURATION_MESSAGE)
    .superRefine((s, ctx) => {
      const ms = durationMs(s);
      // A malformed string already failed the pattern (NaN); only a well-formed one gets a second word.
      if (Number.isNaN(ms)) return;
      const problem = ms > maxMs ? `must be at most ${max}` : ms <= 0 ? 'must be longer than 0' : ms < minMs ? `must be at least ${bounds.min}` : undefined;
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe(description + range);
}

/** A size key ("10MB"): at least 1KB, at most 1TB, so a typo cannot fill a disk or rotate every line. */
function size(description: string) {
  return z
    .string({ error: unless(SIZE_MESSAGE) })
    .superRefine((s, ctx) => {
      const bytes = tryParseSize(s);
      const problem = bytes === undefined ? SIZE_MESSAGE : bytes < 1000 ? 'must be at least 1KB' : bytes > 1e12 ? 'must be at most 1000GB' : undefined;
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe(`${description} Units B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB.`);
}

function address(description: string) {
  return z
    .string({ error: unless(ADDRESS_MESSAGE) })
    .refine((s) => parseHostPort(s) !== undefined, ADDRESS_MESSAGE)
    .describe(description);
}

/** Whether text is scheme://host:port with nothing after it; an explicit port keeps upstreams unambiguous. */
function isOrigin(text: string, schemes: readonly string[]): boolean {
  const match = /^([a-z]+):\/\/(\[[^\]]+\]|[^/:?#@[\]]+):(\d{1,5})\/?$/i.exec(text);
  if (!match || !schemes.includes((match[1] ?? '').toLowerCase())) return false;
  const port = Number(match[3]);
  return port >= 1 && port <= 65535 && URL.canParse(text);
}

const TCP_TARGET_MESSAGE = 'expected host:port with a host, like "127.0.0.1:15432"';
const tcpTarget = z
  .string({ error: unless(TCP_TARGET_MESSAGE) })
  .refine((s) => {
    const hp = parseHostPort(s);
    return hp !== undefined && hp.host !== '' && hp.port > 0;
  }, TCP_TARGET_MESSAGE);

const stopMethod = z.enum(['stop', 'pause', 'kill']);
const stopSignal = z
  .string({ error: unless(SIGNAL_MESSAGE) })
  .regex(/^SIG[A-Z0-9+-]+$/, SIGNAL_MESSAGE)
  .superRefine((s, ctx) => {
    const problem = /^SIG[A-Z0-9+-]+$/.test(s) ? signalProblem(s) : undefined;
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
const hostName = z.string({ error: unless(HOST_MESSAGE) }).max(253, HOST_MESSAGE).regex(HOST_PATTERN, HOST_MESSAGE);
const PATH_MESSAGE = 'expected a path starting with "/", optionally ending in "*" to match everything below it';
const startPath = z.string({ error: unless(PATH_MESSAGE) }).regex(/^\/[^?#*\s]*\*?$/, PATH_MESSAGE);
const userAgentPatterns = (description: string) =>
  z.array(z.string().trim().min(1, 'an empty pattern would match every client')).describe(description);

const BUILTIN_DENY_DOC = 'Deny the built-in list of search crawlers, link previewers and uptime monitors (see the README).';
const DENY_DOC = 'More User-Agent substrings (case-insensitive) that may not wake a service.';
const ALLOW_DOC = 'User-Agent substrings (case-insensitive) that may wake a service even when a deny entry matches.';
const flag = () => z.boolean({ error: 'expected true or false' });

const defaultWakeFilter = z
  .object({
    builtin_deny: flag().default(true).describe(BUILTIN_DENY_DOC),
    deny: userAgentPatterns(DENY_DOC).default([]),
    allow: userAgentPatterns(ALLOW_DOC).default([]),
  })
  .strict();

const serviceWakeFilter = z
  .object({
    builtin_deny: flag().optional().describe(BUILTIN_DENY_DOC),
    deny: userAgentPatterns(DENY_DOC).optional(),
    allow: userAgentPatterns(ALLOW_DOC).optional(),
  })
  .strict();

const EXPECT_MESSAGE = 'expected status codes and ranges like "200-399" or "200,204,300-399"';
/** "200-399", "200,204", "2xx-like" lists of codes and ranges; parsed by resolve.ts. */
export const EXPECT_PATTERN = /^\s*\d{3}(\s*-\s*\d{3})?(\s*,\s*\d{3}(\s*-\s*\d{3})?)*\s*$/;
/** A status list that has the right shape but cannot match: codes outside 100-599, ranges written high-low. */
function expectProblem(text: string): string | undefined {
  for (const part of text.split(',')) {
    const [lo = '', hi = lo] = part.split('-').map((x) => x.trim());
    const bad = [lo, hi].find((code) => Number(code) < 100 || Number(code) > 599);
    if (bad !== undefined) return `status ${bad} is not an HTTP status (100-599)`;
    if (Number(lo) > Number(hi)) return `range ${lo}-${hi} is backwards; write ${hi}-${lo}`;
  }
  return undefined;
}
const count = (min: number) =>
  z.number({ error: 'expected a whole number' }).int('expected a whole number').min(min, `must be at least ${min}`).max(1_000_000, 'must be at most 1000000');

const health = z
  .object({
    http: z
      .object({
        path: z.string().regex(/^\//, 'expected a path starting with "/"').default('/').describe('Path requested on the target. Default "/".'),
        expect: z
          .string({ error: unless(EXPECT_MESSAGE) })
          .regex(EXPECT_PATTERN, EXPECT_MESSAGE)
          .superRefine((s, ctx) => {
            const problem = EXPECT_PATTERN.test(s) ? expectProblem(s) : undefined;
            if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
          })
          .default('100-499')
          .describe('Statuses that count as healthy. Default any status below 500.'),
      })
      .strict()
      .optional()
      .describe('Probe: GET path on the service target; healthy when the status is expected.'),
    tcp: z.object({}).strict().optional().describe('Probe: a TCP connect to the service target.'),
    exec: z
      .array(z.string().min(1, 'an empty argument'), { error: 'expected a command as a list, like [pg_isready, -q]' })
      .min(1, 'give the command to run')
      .optional()
      .describe('Probe: a command run inside the container; healthy when it exits 0.'),
    docker: z.object({}).strict().optional().describe("Probe: the container's own HEALTHCHECK; healthy when Docker says healthy."),
    timeout: duration('Each probe attempt is cut after this long.', { max: '1h' }).default(DEFAULT_PROBE_TIMEOUT),
    interval: duration('While awake, the probe runs this often (liveness).').default('30s'),
    retries: count(1).default(3).describe('Consecutive failed checks before the service counts as unhealthy.'),
    auto_restart: flag().default(false).describe('Restart an unhealthy service through its provider.'),
    max_restarts: count(0)
      .default(3)
      .describe('Restarts in a row without a healthy check in between; then drowse stops restarting and leaves it unhealthy.'),
    restart_delay: duration('Wait this long after a service turns unhealthy before restarting it.').default('10s'),
  })
  .strict();

const dockerProvider = z
  .object({
    socket: z.string().min(1).optional().describe(`Unix socket of a local engine. Default ${DEFAULT_DOCKER_SOCKET} when url is not given either.`),
    url: z
      .string()
      .refine((s) => isOrigin(s, ['tcp', 'http', 'https']), ENGINE_URL_MESSAGE)
      .optional()
      .describe('Remote engine as tcp://host:port or https://host:port; give either socket or url.'),
    tls: z
      .object({
        ca: z.string().min(1).optional().describe('Path to the CA certificate (PEM) that signed the engine certificate.'),
        cert: z.string().min(1).optional().describe('Path to the client certificate (PEM).'),
        key: z.string().min(1).optional().describe('Path to the client private key (PEM).'),
      })
      .strict()
      .optional()
      .describe('TLS client files for a remote engine (only with url).'),
    events: z
      .enum(['stream', 'poll'])
      .default('stream')
      .describe('How changes are noticed: stream (one event stream, the default) or poll (list containers every poll_interval, for proxies that cut long streams).'),
    poll_interval: duration('With events: poll, how often containers are listed.', { min: '100ms' }).default('5s'),
    stats_interval: duration('How often CPU and memory of awake services are read.', { min: '100ms' }).default('30s'),
    disk_usage_interval: duration("How often the engine's disk usage (images, containers, volumes) is read; it is a slow call.", { min: '1s' }).default('15m'),
    labels: z
      .boolean({ error: 'expected true or false' })
      .default(false)
      .describe('Discover services from container labels (drowse.enable=true, drowse.http.host=..., see "Docker labels" in the README).'),
    network: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The Docker network drowse shares with the containers it discovers: their targets are then their names on it. Default: host network as 127.0.0.1, else a published port, else the container name on its own network.',
      ),
  })
  .strict()
  .describe('One Docker engine.');

const FINGERPRINT_MESSAGE = 'expected a SHA-256 fingerprint as 32 hex pairs joined by ":", as the Proxmox web UI shows it';
const TOKEN_ID_MESSAGE = 'expected USER@REALM!TOKENID, like drowse@pve!proxy';

const proxmoxProvider = z
  .object({
    url: z
      .string({ error: unless('expected the cluster address as https://host:8006') })
      .refine((s) => isOrigin(s, ['https']), 'expected the cluster address as https://host:8006')
      .describe('Any node of the cluster, as https://host:8006 (the API is under /api2/json).'),
    token_id: z
      .string({ error: unless(TOKEN_ID_MESSAGE) })
      .regex(/^[^\s@!=:]+@[^\s@!=:]+![A-Za-z][A-Za-z0-9._-]*$/, TOKEN_ID_MESSAGE)
      .describe('The API token drowse uses, as USER@REALM!TOKENID (see "Proxmox" in the README for the role it needs).'),
    token_secret: z
      .string()
      .min(1, 'give the token secret, e.g. ${PVE_TOKEN_SECRET}')
      .describe('The API token secret; best from the environment, ${PVE_TOKEN_SECRET}. Redacted everywhere, even when written here.'),
    ca: z.string().min(1).optional().describe("Path to the CA certificate (PEM) that signed the nodes' certificates: the cluster's /etc/pve/pve-root-ca.pem."),
    fingerprint: z
      .string({ error: unless(FINGERPRINT_MESSAGE) })
      .regex(/^(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, FINGERPRINT_MESSAGE)
      .optional()
      .describe("Trust exactly the node certificate with this SHA-256 fingerprint (pinning) instead of a CA."),
    tls_insecure: flag()
      .default(false)
      .describe('Skip certificate checks for this cluster only (never for anything else drowse talks to). Prefer ca or fingerprint.'),
    timeout: duration('Each API request is given up after this long.', { min: '100ms', max: '5m' }).default('10s'),
    poll_interval: duration("How often the cluster's guests are listed (/cluster/resources) to notice changes.", { min: '500ms' }).default('5s'),
    wake_poll_interval: duration('How often they are listed while one of its services wakes.', { min: '100ms' }).default('1s'),
  })
  .strict()
  .describe('One Proxmox VE cluster, reached through its API with a token.');

const GUEST_PORT_MESSAGE = 'expected a port from 1 to 65535';
const guestPort = (description: string) =>
  z.number({ error: GUEST_PORT_MESSAGE }).int(GUEST_PORT_MESSAGE).min(1, GUEST_PORT_MESSAGE).max(65535, GUEST_PORT_MESSAGE).optional().describe(description);

const service = z
  .object({
    docker: z
      .object({
        container: z.string().min(1).describe('Name (or id) of the container this service starts and stops.'),
        provider: name('provider').optional().describe('Docker provider that runs the container. Default: the first docker provider.'),
      })
      .strict()
      .optional()
      .describe('The workload: a Docker container. Give docker or proxmox.'),
    proxmox: z
      .object({
        provider: name('provider').optional().describe('Proxmox provider of the cluster. Default: the first proxmox provider.'),
        node: z.string().min(1).regex(/^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?$/, 'expected a node name like pve1').describe('The node the guest runs on; a guest that migrates is followed, this is where drowse looks first.'),
        vmid: z
          .number({ error: 'expected a guest id (vmid) like 101' })
          .int('expected a guest id (vmid) like 101')
          .min(100, 'Proxmox guest ids are from 100 to 999999999')
          .max(999_999_999, 'Proxmox guest ids are from 100 to 999999999')
          .describe('The LXC guest (vmid) this service starts and stops.'),
        interface: z.string().min(1).optional().describe("With http.port or tcp.port: the guest interface whose IPv4 address is the target, e.g. eth0. Default: the first interface other than lo with an IPv4 address."),
      })
      .strict()
      .optional()
      .describe('The workload: a Proxmox VE LXC guest. Give docker or proxmox.'),
    http: z
      .object({
        host: z
          .union([hostName, z.array(hostName).min(1, 'list at least one host name')], {
            error: 'expected a host name or a list of host names',
          })
          .describe('Host name(s) routed to this service, matched case-insensitively against the Host header; "*.example.lan" matches any subdomain.'),
        target: z
          .string({ error: unless(TARGET_MESSAGE) })
          .refine((s) => isOrigin(s, ['http']), TARGET_MESSAGE)
          .optional()
          .describe('Upstream base URL requests are forwarded to, e.g. http://127.0.0.1:18080. Give target, or port for a Proxmox guest.'),
        port: guestPort("For a Proxmox guest instead of target: the port on the guest's address, which drowse learns each time the guest starts."),
      })
      .strict()
      .optional()
      .describe('HTTP route: requests for these hosts wake the service and are forwarded to target.'),
    depends_on: z
      .union([name('service'), z.array(name('service'))], { error: 'expected a service name or a list of service names' })
      .optional()
      .describe('Services woken (and ready) before this one, and kept awake while it is; each sleeps only after every service that depends on it does.'),
    tcp: z
      .object({
        listen: address('Where drowse accepts connections for this service, e.g. 127.0.0.1:5432.').refine(
          (s) => parseHostPort(s)?.port !== 0,
          'port 0 would listen on a random port; give a port from 1 to 65535',
        ),
        target: tcpTarget.optional().describe('Where connections are piped once the service is ready, e.g. 127.0.0.1:15432. Give target, or port for a Proxmox guest.'),
        port: guestPort("For a Proxmox guest instead of target: the port on the guest's address, learned each time it starts."),
        max_held: z
          .number({ error: 'expected a whole number' })
          .int('expected a whole number')
          .min(1, 'must be at least 1')
          .max(100_000, 'must be at most 100000')
          .default(256)
          .describe('Connections held while the service wakes; more are closed at once, so a flood cannot exhaust memory.'),
        open_keeps_awake: flag()
          .default(false)
          .describe('An open connection keeps the service awake even when silent. Default false: the idle timer counts from the last byte in either direction.'),
      })
      .strict()
      .optional()
      .describe('TCP route: connections to listen wake the service and are piped to target, bytes sent early included.'),
    health: health
      .optional()
      .describe(
        'Readiness while waking and liveness while awake. Without it: TCP connect then HTTP below 500 on the target, or the container HEALTHCHECK when it has one; no liveness.',
      ),
    idle_timeout: duration('Sleep after this long without activity. Default: defaults.idle_timeout.').optional(),
    wake_timeout: duration('Give up waking after this long (held requests then get 503). Default: defaults.wake_timeout.', { max: '1h' }).optional(),
    stop_method: stopMethod.optional().describe('How the workload is put to sleep: stop | pause | kill. Default: defaults.stop_method.'),
    stop_signal: stopSignal.optional().describe('Signal stop_method stop sends first, e.g. SIGTERM (SIGKILL follows after stop_timeout); kill sends SIGKILL at once and pause sends none. Default: defaults.stop_signal.'),
    stop_timeout: duration('With stop_method stop: wait this long after stop_signal before killing. Default: defaults.stop_timeout.', { max: '1h' }).optional(),
    start_endpoint: z
      .union([startPath, z.array(startPath).min(1, 'list at least one path')], { error: 'expected a path or a list of paths' })
      .optional()
      .describe('Only these paths may wake the service; while it sleeps, other paths get 403. "/app/*" matches everything below /app/. Default: every path.'),
    release_concurrency: count(1)
      .optional()
      .describe('Requests held through a wake that are sent to the app at once; each one it answers lets one more go (slow start). Default: defaults.release_concurrency.'),
    loading_page: flag()
      .optional()
      .describe('Browsers opening the sleeping service get a live loading page; false holds them like API clients. Default: defaults.loading_page.'),
    wake_filter: serviceWakeFilter
      .optional()
      .describe('Which user agents may not wake this service; each key overrides the same key under defaults.wake_filter.'),
  })
  .strict()
  .describe('One service: a workload that sleeps when idle, and the routes that wake it.');

/** The whole config file. Every key has a description; every optional key with a default declares it. */
export const configSchema = z
  .object({
    entrypoints: z
      .object({
        http: address('Where HTTP routes listen, as host:port; ":8080" means every interface.').default(':8080'),
      })
      .strict()
      .prefault({})
      .describe('Listening addresses shared by all services.'),
    control: z
      .object({
        socket: z
          .string()
          .min(1)
          .optional()
          .describe('Unix socket (mode 0660) for the control API. Default /run/drowse/control.sock when neither socket nor listen is set.'),
        listen: address('TCP address for the control API, e.g. 127.0.0.1:9090; requires token.').optional(),
        token: z.string().optional().describe('Bearer token the TCP control API requires; use ${VAR} to keep it out of the file.'),
      })
      .strict()
      .prefault({})
      .describe('The control API used by drowse status / wake / sleep.'),
    log: z
      .object({
        level: z
          .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
          .default('info')
          .describe('Least severe level written: trace | debug | info | warn | error | fatal | silent.'),
        format: z.enum(['json', 'pretty']).default('json').describe('json (one object a line) or pretty (for terminals).'),
      })
      .strict()
      .prefault({})
      .describe('Process logging.'),
    shutdown_timeout: duration(
      'On SIGTERM or SIGINT, in-flight and held requests get this long to finish; then they are cut and drowse exits. Services are left as they are.',
      { max: '1h' },
    ).default('10s'),
    event_log: z
      .object({
        path: z.string().min(1).describe('The JSON-lines file every wake event and state change is appended to, e.g. /var/lib/drowse/events.jsonl; rotated files sit beside it.'),
        retention: duration('Rotated files older than this are deleted.').default('7d'),
        max_size: size('The file is rotated when it would grow past this.').default('10MB'),
        max_total: size('The file and its rotated files together stay under this; the oldest go first.').default('100MB'),
      })
      .strict()
      .optional()
      .describe('Optional audit trail of every service event as JSON lines (see "Event log" in the README). Writes never hold up a request: when the disk is slow or full, lines are dropped and counted in drowse_event_log_dropped_total.'),
    providers: z
      .object({
        docker: z
          .record(name('provider'), dockerProvider)
          .prefault({ local: { socket: DEFAULT_DOCKER_SOCKET } })
          .describe(`Docker engines by name. Default: one provider "local" on ${DEFAULT_DOCKER_SOCKET}.`),
        proxmox: z.record(name('provider'), proxmoxProvider).prefault({}).describe('Proxmox VE clusters by name (LXC guests; see "Proxmox" in the README).'),
      })
      .strict()
      .prefault({})
      .describe('Where workloads run.'),
    defaults: z
      .object({
        idle_timeout: duration('Sleep after this long without activity.').default('15m'),
        wake_timeout: duration('Give up waking after this long; held requests then get 503.', { max: '1h' }).default(DEFAULT_WAKE_TIMEOUT),
        stop_method: stopMethod.default('stop').describe('How workloads are put to sleep: stop | pause | kill.'),
        stop_signal: stopSignal.default('SIGTERM').describe('Signal stop_method stop sends first (SIGKILL follows after stop_timeout); kill sends SIGKILL at once and pause sends none.'),
        // Docker's own default for `docker stop`: what users expect, and an app that ignores SIGTERM as PID 1 costs 10 s.
        stop_timeout: duration('With stop_method stop: wait this long after stop_signal before killing.', { max: '1h' }).default('10s'),
        release_concurrency: count(1)
          .default(8)
          .describe('Requests held through a wake that are sent to the just-started app at once; each one it answers lets one more go, so the window doubles every round trip (like TCP slow start) and a herd never hits a fresh app in one burst.'),
        loading_page: flag()
          .default(true)
          .describe('Browsers opening a sleeping service get a live loading page; false holds them like API clients.'),
        wake_filter: defaultWakeFilter
          .prefault({})
          .describe('User agents that may not wake a service: a denied client gets 503 while it sleeps and never counts as activity.'),
      })
      .strict()
      .prefault({})
      .describe('Values for every service that does not set them itself.'),
    services: z.record(name('service'), service).prefault({}).describe('The services drowse puts to sleep and wakes, by name.'),
    limits: z
      .object({
        max_connections: count(1)
          .optional()
          .describe('Open client connections on the HTTP entrypoint (more are answered 503) and on each TCP route (more are closed). Default: half the open-files limit less 128 (448 under 1024).'),
        header_timeout: duration('A client must send its request headers within this long, or gets 408.', { max: '1h' }).default('10s'),
        keep_alive_timeout: duration('An idle keep-alive client connection is closed after this long.', { max: '1h' }).default('5s'),
        held_per_service: count(1).default(1000).describe('Requests held per service while it wakes; more get 503 at once.'),
        sse_per_service: count(1).default(64).describe('Open /__drowse/events streams per service; more get 503.'),
        sse_total: count(1).default(512).describe('Open /__drowse/events streams over all services; more get 503.'),
        sse_lifetime: duration('An event stream is ended after this long; browsers reconnect by themselves and miss nothing.', { max: '24h' }).default('10m'),
      })
      .strict()
      .prefault({})
      .describe('What clients may hold: connections, held requests, event streams. See "Limits" in the README.'),
  })
  .strict()
  .describe('drowse configuration');

/** The config file as written (input side of the schema). */
export type ConfigFileInput = z.input<typeof configSchema>;
/** The config file after validation and schema defaults, before resolving into DrowseConfig. */
export type ConfigFile = z.output<typeof configSchema>;

// The sections of ConfigFile that resolve.ts and types.ts name, as the schema outputs them.
/** stop_method: how a workload is put to sleep. */
export type StopMethod = z.output<typeof stopMethod>;
/** stop_signal: a signal name the schema accepted, e.g. "SIGTERM". */
export type StopSignal = z.output<typeof stopSignal>;
/** One `providers.docker.NAME` entry. */
export type DockerProviderFile = z.output<typeof dockerProvider>;
/** One `providers.proxmox.NAME` entry. */
export type ProxmoxProviderFile = z.output<typeof proxmoxProvider>;
/** `event_log`, when set. */
export type EventLogFile = NonNullable<z.output<typeof configSchema>['event_log']>;
/** One `services.NAME` entry. */
export type ServiceFile = z.output<typeof service>;
/** `services.NAME.health`. */
export type HealthFile = z.output<typeof health>;
/** `defaults.wake_filter` (every key defaulted). */
export type DefaultWakeFilterFile = z.output<typeof defaultWakeFilter>;
/** `services.NAME.wake_filter` (each key overrides the default's). */
export type ServiceWakeFilterFile = z.output<typeof serviceWakeFilter>;

/** JSON Schema (draft 2020-12) of the config file, for editors' YAML language servers. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'drowse configuration',
    // Mirrors parse.ts, which drops these before validation.
    patternProperties: { '^x-': { description: 'Ignored by drowse: a place for YAML anchors to share between services.' } },
  };
}

/** The schema for the value at path, seeing through optional/default wrappers, records and arrays. */
export function schemaAt(path: readonly PropertyKey[], root: z.ZodType = configSchema): z.ZodType | undefined {
  let current: z.ZodType | undefined = unwrap(root);
  for (const segment of path) {
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[String(segment)];
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else return undefined;
    current = current && unwrap(current);
  }
  return current;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}
