/** The fields a UPID encodes (`UPID:node:pid:pstart:starttime:type:id:user:`, numbers as 8 hex digits). */
export interface UpidFields {
  readonly node: string;
  readonly pid: number;
  readonly pstart: number;
  readonly starttime: number;
  readonly type: string;
  readonly id: string;
  readonly user: string;
}

const hex8 = (n: number): string => n.toString(16).toUpperCase().padStart(8, '0');

export function formatUpid(f: UpidFields): string {
  return `UPID:${f.node}:${hex8(f.pid)}:${hex8(f.pstart)}:${hex8(f.starttime)}:${f.type}:${f.id}:${f.user}:`;
}

/** Reads a UPID back; undefined for anything PVE would refuse with "unable to parse worker upid". */
export function parseUpid(upid: string): UpidFields | undefined {
  const m = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-F]{8}):([0-9A-F]{8}):([0-9A-F]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/.exec(upid);
  if (!m) return undefined;
  return {
    node: m[1]!, pid: parseInt(m[3]!, 16), pstart: parseInt(m[4]!, 16), starttime: parseInt(m[5]!, 16),
    type: m[6]!, id: m[7]!, user: m[8]!,
  };
}

/** What a running task's work can use: its log and the signal that aborts it (like SIGTERM to the worker). */
export interface TaskContext {
  readonly upid: string;
  readonly signal: AbortSignal;
  log(line: string): void;
}

/** What the work resolves to: nothing for "OK", or a count of warnings for "WARNINGS: n". */
export type TaskOutcome = void | { readonly warnings: number };

/** One worker task, as /nodes/{node}/tasks/{upid}/status reports it. */
export class Task {
  readonly upid: string;
  readonly fields: UpidFields;
  status: 'running' | 'stopped' = 'running';
  exitstatus: string | undefined;
  readonly log: string[] = [];
  /** Settles (never rejects) when the task has stopped. */
  readonly done: Promise<void>;
  private readonly controller = new AbortController();

  constructor(fields: UpidFields, work: (ctx: TaskContext) => Promise<TaskOutcome>) {
    this.fields = fields;
    this.upid = formatUpid(fields);
    const ctx: TaskContext = { upid: this.upid, signal: this.controller.signal, log: (line) => this.log.push(line) };
    this.done = Promise.resolve().then(() => work(ctx)).then(
      (outcome) => {
        const warnings = outcome ? outcome.warnings : 0;
        this.finish(warnings > 0 ? `WARNINGS: ${warnings}` : 'OK', warnings > 0 ? `TASK WARNINGS: ${warnings}` : 'TASK OK');
      },
      (err: unknown) => {
        const text = err instanceof Error ? err.message : String(err);
        this.finish(text, `TASK ERROR: ${text}`);
      },
    );
  }

  /** Asks the worker to end, as PVE's abort_guest_tasks does with SIGTERM. */
  abort(): void {
    this.controller.abort();
  }

  /** The answer of /tasks/{upid}/status. */
  statusData(): Record<string, unknown> {
    const f = this.fields;
    // PVE's convert_token_task: a token's task reports the user and the token id apart.
    const bang = f.user.indexOf('!');
    const who = bang < 0 ? { user: f.user } : { user: f.user.slice(0, bang), tokenid: f.user.slice(bang + 1) };
    return {
      upid: this.upid, node: f.node, pid: f.pid, pstart: f.pstart, starttime: f.starttime, type: f.type, id: f.id, ...who,
      status: this.status, ...(this.status === 'stopped' ? { exitstatus: this.exitstatus } : {}),
    };
  }

  private finish(exitstatus: string, line: string): void {
    this.log.push(line);
    this.exitstatus = exitstatus;
    this.status = 'stopped';
  }
}

/** Every task of a double's cluster, found by UPID. */
export class TaskRegistry {
  private readonly tasks = new Map<string, Task>();
  private pid = 0x000a1b00;
  private pstart = 0x0123ab00;

  start(node: string, type: string, id: string, user: string, work: (ctx: TaskContext) => Promise<TaskOutcome>): Task {
    this.pid += 1 + Math.floor(Math.random() * 16);
    this.pstart += 1 + Math.floor(Math.random() * 256);
    const task = new Task({ node, pid: this.pid, pstart: this.pstart, starttime: Math.floor(Date.now() / 1000), type, id, user }, work);
    this.tasks.set(task.upid, task);
    return task;
  }

  get(upid: string): Task | undefined {
    return this.tasks.get(upid);
  }

  /** Running tasks of a type for a guest, as abort_guest_tasks finds them. */
  running(type: string, id: string): Task[] {
    return [...this.tasks.values()].filter((t) => t.status === 'running' && t.fields.type === type && t.fields.id === id);
  }

  all(): readonly Task[] {
    return [...this.tasks.values()];
  }
}
