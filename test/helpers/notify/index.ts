/**
 * A stand-in for systemd's notify socket: a real unix datagram socket bound in the test (through
 * node-unix-socket, the module drowse sends with), recording every message it receives.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DgramSocket } from 'node-unix-socket';

/** One received datagram: its raw text and its KEY=VALUE fields. */
export interface NotifyMessage {
  readonly text: string;
  readonly fields: Readonly<Record<string, string>>;
  /** Date.now() when it arrived. */
  readonly at: number;
}

/** A bound notify socket. */
export interface NotifySocket {
  /** What NOTIFY_SOCKET is set to: a path, or "@name" for an abstract one. */
  readonly address: string;
  readonly messages: NotifyMessage[];
  /** Messages that set `key` (e.g. 'READY'). */
  with(key: string): NotifyMessage[];
  close(): void;
}

/** Binds a notify socket (a path in a temp dir, or an abstract name) and closes it when the test ends. */
export async function bindNotifySocket(t: { after(fn: () => unknown): void }, opts: { abstract?: boolean } = {}): Promise<NotifySocket> {
  const socket = new DgramSocket();
  let address: string;
  if (opts.abstract) {
    const name = `drowse-test-notify-${process.pid}-${Math.random().toString(36).slice(2)}`;
    socket.bind(`\0${name}`);
    address = `@${name}`;
  } else {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-notify-'));
    t.after(() => fs.rm(dir, { recursive: true, force: true }));
    address = path.join(dir, 'notify.sock');
    socket.bind(address);
  }
  const messages: NotifyMessage[] = [];
  socket.on('data', (buf: Buffer) => {
    const text = buf.toString('utf8');
    const fields = Object.fromEntries(text.split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    messages.push({ text, fields, at: Date.now() });
  });
  const close = () => socket.close();
  t.after(close);
  return { address, messages, with: (key) => messages.filter((m) => key in m.fields), close };
}
