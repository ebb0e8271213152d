/** `drowse status` for people: a table per part, states with their age, failing checks and loops with hints. */
import { formatDuration } from '../kernel/index.ts';

/** The parts of /status the table reads; everything is optional so an older daemon still prints. */
export interface StatusDocument {
  readonly version?: string;
  readonly uptime_s?: number;
  readonly config?: string;
  readonly providers?: ReadonlyArray<{ name: string; kind?: string; online: boolean; since?: string; last_error?: string }>;
  readonly services?: ReadonlyArray<{
    name: string;
    state: string;
    since?: string;
    source?: string;
    reason?: string;
    problems?: readonly string[];
    sleeps_at?: string;
    last_wake_ms?: number;
    in_flight?: number;
    held_requests?: number;
    held_connections?: number;
    cpu_percent?: number;
    memory_bytes?: number;
  }>;
  readonly loops?: ReadonlyArray<{ name: string; state: string; failures?: number; last_error?: string; retry_in_ms?: number; reason?: string }>;
  readonly prerequisites?: ReadonlyArray<{ name: string; ok: boolean; code?: string; message?: string; hint?: string; severity?: string }>;
}

/** Lays rows out in columns two spaces apart; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** "512MiB", "1.5GiB": memory as people read it. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 10 || u === 0 ? Math.round(v) : v.toFixed(1)}${units[u]}`;
}

/** How long from `now` until (or since) an ISO time, rounded to whole seconds. */
function span(iso: string | undefined, now: number, future: boolean): string {
  if (iso === undefined) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '-';
  const ms = future ? t - now : now - t;
  return ms <= 0 ? (future ? 'now' : '0s') : formatDuration(Math.round(ms / 1000) * 1000 || 1000);
}

/** The whole status as text. */
export function renderStatus(s: StatusDocument, now = Date.now()): string {
  const out: string[] = [];
  out.push(`drowse ${s.version ?? '?'}, up ${formatDuration((s.uptime_s ?? 0) * 1000) || '0s'}${s.config ? `, config ${s.config}` : ''}`);
  const services = s.services ?? [];
  out.push('', table(
    ['SERVICE', 'SOURCE', 'STATE', 'SLEEPS IN', 'LAST WAKE', 'IN FLIGHT', 'HELD', 'CPU', 'MEMORY'],
    services.map((v) => [
      v.name,
      v.source ?? '-',
      `${v.state}${v.since ? ` ${span(v.since, now, false)}` : ''}`,
      v.sleeps_at ? span(v.sleeps_at, now, true) : '-',
      v.last_wake_ms === undefined ? '-' : formatDuration(v.last_wake_ms),
      String(v.in_flight ?? 0),
      String((v.held_requests ?? 0) + (v.held_connections ?? 0)),
      v.cpu_percent === undefined ? '-' : `${v.cpu_percent.toFixed(1)}%`,
      v.memory_bytes === undefined ? '-' : bytes(v.memory_bytes),
    ]),
  ));
  if (services.length === 0) out.push('(no services)');
  for (const v of services) {
    if (v.reason && (v.state === 'error' || v.state === 'unknown')) out.push(`  ${v.name}: ${v.reason}`);
    for (const p of v.problems ?? []) out.push(`  ${v.name}: ${p}`);
  }
  const providers = s.providers ?? [];
  if (providers.length > 0) {
    out.push('', table(['PROVIDER', 'KIND', 'ONLINE', 'SINCE', 'LAST ERROR'], providers.map((p) => [p.name, p.kind ?? '-', p.online ? 'yes' : 'no', span(p.since, now, false), p.last_error ?? ''])));
  }
  const loops = (s.loops ?? []).filter((l) => l.state !== 'running');
  if (loops.length > 0) {
    out.push('', table(['LOOP', 'STATE', 'FAILURES', 'RETRY IN', 'LAST ERROR'], loops.map((l) => [
      l.name, l.state, String(l.failures ?? 0), l.retry_in_ms === undefined ? '-' : formatDuration(l.retry_in_ms), l.last_error ?? l.reason ?? '',
    ])));
  }
  const failed = (s.prerequisites ?? []).filter((p) => !p.ok);
  if (failed.length > 0) out.push('', renderFindings(failed));
  return `${out.join('\n')}\n`;
}

/** Failed prerequisites, each with its code and what to do. */
export function renderFindings(failed: NonNullable<StatusDocument['prerequisites']>): string {
  return failed.map((p) => `${p.severity === 'warning' ? 'warning' : 'problem'}: ${p.message ?? p.name} [${p.code ?? '?'}]\n  hint: ${p.hint ?? '-'}`).join('\n');
}
