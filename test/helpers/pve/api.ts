import { PveApiError, paramError } from './errors.ts';
import type { PveGuest } from './guest.ts';
import { verifyParams, type ParamValue, type Schema } from './params.ts';
import { powerAction, type PowerAction, type PowerEnv } from './power.ts';
import { parseUpid, type Task } from './tasks.ts';

/** Who is calling: an API token and what it may do where. */
export interface Caller {
  /** USER@REALM!TOKENID, as it appears in the UPIDs of the caller's tasks. */
  readonly user: string;
  can(path: string, privilege: string): boolean;
}

export interface NodeState {
  online: boolean;
}

export interface ApiEnv extends PowerEnv {
  readonly nodes: ReadonlyMap<string, NodeState>;
  readonly guests: ReadonlyMap<number, PveGuest>;
  readonly version: { readonly version: string; readonly release: string; readonly repoid: string };
}

/** A handler's answer: `data`, and `total` where PVE sets the result attribute. */
export interface Reply {
  readonly data: unknown;
  readonly total?: number;
}

interface Call {
  readonly caller: Caller;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly node: string;
  readonly vmid: number;
  readonly upid: string;
}

interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: readonly string[];
  /** The parameters; a function where they depend on the PVE version the double plays. */
  readonly schema: Schema | ((env: ApiEnv) => Schema);
  /** PVE's `check => ['perm', '/vms/{vmid}', [priv]]`, checked before the parameters. */
  readonly vmPrivilege?: string;
  handle(env: ApiEnv, call: Call): Reply;
}

const NODE: Schema = { node: { type: 'string' } };
const VM: Schema = { ...NODE, vmid: { type: 'integer', minimum: 100, maximum: 999_999_999 } };
const TASK: Schema = { ...NODE, upid: { type: 'string' } };

const power = (action: PowerAction, schema: Schema | ((env: ApiEnv) => Schema)): Route => ({
  method: 'POST', path: ['nodes', ':node', 'lxc', ':vmid', 'status', action], vmPrivilege: 'VM.PowerMgmt',
  schema: typeof schema === 'function' ? (env) => ({ ...VM, ...schema(env) }) : { ...VM, ...schema },
  handle: (env, call) => ({ data: powerAction(env, lxcOn(env, call.node, call.vmid), action, call.params, call.caller.user) }),
});

const ROUTES: readonly Route[] = [
  { method: 'GET', path: ['version'], schema: {}, handle: (env) => ({ data: { ...env.version } }) },
  { method: 'GET', path: ['nodes'], schema: {}, handle: (env) => ({ data: [...env.nodes].map(([name, n]) => nodeEntry(name, n)) }) },
  {
    method: 'GET', path: ['cluster', 'resources'], schema: { type: { type: 'enum', values: ['vm', 'storage', 'node', 'sdn'] } },
    handle: (env, call) => ({ data: resources(env, call.caller, call.params.type) }),
  },
  {
    method: 'GET', path: ['nodes', ':node', 'lxc'], schema: NODE,
    handle: (env, call) => ({
      data: guestsOn(env, call.node).filter((g) => g.type === 'lxc' && call.caller.can(`/vms/${g.vmid}`, 'VM.Audit')).map((g) => statusData(g)),
    }),
  },
  {
    method: 'GET', path: ['nodes', ':node', 'lxc', ':vmid', 'status', 'current'], schema: VM, vmPrivilege: 'VM.Audit',
    handle: (env, call) => ({ data: { ...statusData(lxcOn(env, call.node, call.vmid)), ha: { managed: 0 } } }),
  },
  {
    method: 'GET', path: ['nodes', ':node', 'lxc', ':vmid', 'interfaces'], schema: VM, vmPrivilege: 'VM.Audit',
    handle: (env, call) => ({ data: interfaces(lxcOn(env, call.node, call.vmid)) }),
  },
  power('start', { skiplock: { type: 'boolean' }, debug: { type: 'boolean' } }),
  // overrule-shutdown came with PVE 8.1; older versions refuse it as an unknown parameter.
  power('stop', (env) => ({ skiplock: { type: 'boolean' }, ...(env.settings.overruleShutdown ? { 'overrule-shutdown': { type: 'boolean' } } : {}) })),
  power('shutdown', { timeout: { type: 'integer', minimum: 0 }, forceStop: { type: 'boolean' } }),
  power('suspend', {}),
  power('resume', {}),
  {
    method: 'GET', path: ['nodes', ':node', 'tasks', ':upid', 'status'], schema: TASK,
    handle: (env, call) => ({ data: ownTask(env, call).statusData() }),
  },
  {
    method: 'GET', path: ['nodes', ':node', 'tasks', ':upid', 'log'],
    schema: { ...TASK, start: { type: 'integer', minimum: 0 }, limit: { type: 'integer', minimum: 0 }, download: { type: 'boolean' } },
    handle: (env, call) => {
      const task = ownTask(env, call);
      const start = typeof call.params.start === 'number' ? call.params.start : 0;
      const limit = typeof call.params.limit === 'number' ? call.params.limit : 50;
      const lines = task.log.length > 0 ? task.log : ['no content'];
      return { data: lines.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t })), total: lines.length };
    },
  },
];

/** A matched route and its raw path parameters, or undefined (PVE's 501). */
export function findRoute(method: string, segments: readonly string[]): { route: Route; raw: Record<string, string> } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method || route.path.length !== segments.length) continue;
    const raw: Record<string, string> = {};
    const ok = route.path.every((part, i) => {
      const seg = segments[i]!;
      if (part.startsWith(':')) raw[part.slice(1)] = seg;
      return part.startsWith(':') || part === seg;
    });
    if (ok) return { route, raw };
  }
  return undefined;
}

/** The checks after routing, in PVE's order: the node (proxyto), the permission, the parameters; then the handler. */
export function runRoute(env: ApiEnv, route: Route, raw: Readonly<Record<string, string>>, given: Readonly<Record<string, string>>, caller: Caller): Reply {
  if (raw.node !== undefined) {
    const node = env.nodes.get(raw.node);
    if (!node) throw new PveApiError(500, `hostname lookup '${raw.node}' failed - failed to get address info for: ${raw.node}: Name or service not known`);
    if (!node.online) throw new PveApiError(595, 'No route to host');
  }
  if (route.vmPrivilege && !caller.can(`/vms/${raw.vmid}`, route.vmPrivilege)) {
    throw new PveApiError(403, `Permission check failed (/vms/${raw.vmid}, ${route.vmPrivilege})`);
  }
  const params = verifyParams(typeof route.schema === 'function' ? route.schema(env) : route.schema, { ...given, ...raw });
  return route.handle(env, { caller, params, node: raw.node ?? '', vmid: Number(raw.vmid), upid: raw.upid ?? '' });
}

function lxcOn(env: ApiEnv, node: string, vmid: number): PveGuest {
  const guest = env.guests.get(vmid);
  if (!guest || guest.type !== 'lxc' || guest.node !== node) {
    throw new PveApiError(500, `Configuration file 'nodes/${node}/lxc/${vmid}.conf' does not exist`);
  }
  return guest;
}

function guestsOn(env: ApiEnv, node: string): PveGuest[] {
  return [...env.guests.values()].filter((g) => g.node === node).sort((a, b) => a.vmid - b.vmid);
}

/** read_task_status / read_task_log: parse, find, and let only the task's own token (or Sys.Audit) see it. */
function ownTask(env: ApiEnv, call: Call): Task {
  const fields = parseUpid(call.upid);
  if (!fields) throw paramError({ upid: 'unable to parse worker upid' });
  const task = env.tasks.get(call.upid);
  if (!task || fields.node !== call.node) throw paramError({ upid: 'no such task' });
  if (task.fields.user !== call.caller.user && !call.caller.can(`/nodes/${call.node}`, 'Sys.Audit')) {
    throw new PveApiError(403, `Permission check failed (/nodes/${call.node}, Sys.Audit)`);
  }
  return task;
}

const MiB = 1024 * 1024;

function usage(g: PveGuest): Record<string, number> {
  const running = g.status === 'running';
  return {
    cpu: running ? 0.0021 : 0, cpus: 1, mem: running ? 48 * MiB : 0, maxmem: 512 * MiB, swap: 0, maxswap: 512 * MiB,
    disk: 700 * MiB, maxdisk: 8192 * MiB, netin: 0, netout: 0, diskread: 0, diskwrite: 0, uptime: g.uptime,
  };
}

function statusData(g: PveGuest): Record<string, unknown> {
  return {
    vmid: g.vmid, name: g.name, type: g.type, status: g.status, ...usage(g),
    ...(g.status === 'running' ? { pid: g.initPid } : {}), ...(g.lock ? { lock: g.lock } : {}),
  };
}

function nodeEntry(name: string, n: NodeState): Record<string, unknown> {
  return { id: `node/${name}`, type: 'node', node: name, status: n.online ? 'online' : 'offline', level: '' };
}

/** /cluster/resources: guests without VM.Audit are left out; a guest on an offline node is 'unknown'. */
function resources(env: ApiEnv, caller: Caller, type: ParamValue | undefined): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (type === undefined || type === 'node') {
    for (const [name, n] of env.nodes) out.push(nodeEntry(name, n));
  }
  if (type === undefined || type === 'vm') {
    for (const g of [...env.guests.values()].sort((a, b) => a.vmid - b.vmid)) {
      if (!caller.can(`/vms/${g.vmid}`, 'VM.Audit')) continue;
      const online = env.nodes.get(g.node)?.online ?? false;
      const { cpus, swap, maxswap, ...rest } = usage(g);
      void swap; void maxswap;
      out.push({
        id: `${g.type}/${g.vmid}`, type: g.type, vmid: g.vmid, node: g.node, name: g.name,
        status: online ? g.status : 'unknown', template: 0, maxcpu: cpus, ...rest, ...(g.lock ? { lock: g.lock } : {}),
      });
    }
  }
  return out;
}

/** /interfaces: only while running; non-loopback interfaces have no inet until addressDelayMs passed. */
function interfaces(g: PveGuest): Record<string, string>[] {
  if (g.status !== 'running') throw new PveApiError(500, `CT ${g.vmid} not running`);
  const dhcpPending = g.runningForMs < g.addressDelayMs;
  return g.interfaces.map((i) => {
    const out: Record<string, string> = { name: i.name };
    if (i.hwaddr) out.hwaddr = i.hwaddr;
    if (i.inet && !(dhcpPending && i.name !== 'lo')) out.inet = i.inet;
    if (i.inet6) out.inet6 = i.inet6;
    return out;
  });
}
