/** The error map's words (messages.ts) for each kind of zod issue. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { formatProblem, parseConfig } from './index.ts';
import { humanErrors } from './messages.ts';

/** The message zod gives value under schema with drowse's error map. */
function said(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value, { error: humanErrors });
  assert.equal(result.success, false);
  return result.success ? [] : result.error.issues.map((i) => i.message);
}
const problems = (text: string) => {
  const r = parseConfig(text, 'drowse.yaml', {});
  return r.ok ? [] : r.problems.map(formatProblem);
};

test('a missing value is "required"', () => {
  assert.deepEqual(said(z.object({ a: z.string() }), {}), ['required']);
  assert.deepEqual(problems('services:\n  app:\n    docker: {}\n'), ['drowse.yaml:3:5: services.app.docker.container: required']);
});

test('each expected type has a YAML word', () => {
  assert.deepEqual(said(z.object({}), 1), ['expected a map, got 1']);
  assert.deepEqual(said(z.record(z.string(), z.string()), 'x'), ['expected a map, got "x"']);
  assert.deepEqual(said(z.array(z.string()), {}), ['expected a list, got a map']);
  assert.deepEqual(said(z.boolean(), 'yes'), ['expected true or false, got "yes"']);
  assert.deepEqual(said(z.string(), []), ['expected a string, got a list']);
  assert.deepEqual(said(z.number(), null), ['expected a number, got nothing']);
  assert.deepEqual(said(z.bigint(), true), ['expected bigint, got true']);
});

test('one allowed value is named alone; several are listed', () => {
  assert.deepEqual(said(z.literal('on'), 'off'), ['expected on']);
  assert.deepEqual(said(z.enum(['a', 'b', 'c']), 'd'), ['expected one of a, b, c']);
});

test('an empty string or list "must not be empty"; a small number keeps zod words', () => {
  assert.deepEqual(said(z.string().min(1), ''), ['must not be empty']);
  assert.deepEqual(said(z.array(z.string()).min(1), []), ['must not be empty']);
  assert.notDeepEqual(said(z.number().min(1), 0), ['must not be empty']);
  assert.deepEqual(problems('providers:\n  docker:\n    p: { socket: "" }\n'), ['drowse.yaml:3:18: providers.docker.p.socket: must not be empty']);
});

test('a bad record key says what the key schema says', () => {
  assert.deepEqual(said(z.record(z.string().regex(/^a/, 'starts with a'), z.number()), { b: 1 }), ['starts with a']);
});

test('other issues keep the message zod or the schema gives', () => {
  assert.deepEqual(said(z.string().regex(/^x$/, 'only x'), 'y'), ['only x']);
  assert.equal(said(z.number().int(), 1.5).length, 1);
});

test('proxmox is a key under providers and directly under a service, nowhere deeper', () => {
  assert.deepEqual(problems('services:\n  app:\n    docker: { container: app, proxmox: 1 }\n'), ['drowse.yaml:3:31: services.app.docker.proxmox: unknown key "proxmox"']);
  assert.deepEqual(problems('defaults:\n  wake_filter: { proxmox: 1 }\n'), ['drowse.yaml:2:18: defaults.wake_filter.proxmox: unknown key "proxmox"']);
  assert.deepEqual(problems('providers:\n  docker:\n    p: { proxmox: 1 }\n'), ['drowse.yaml:3:10: providers.docker.p.proxmox: unknown key "proxmox"']);
});

test('an unknown key far from every known one gets no suggestion; a near one does, at any depth', () => {
  assert.deepEqual(problems('services:\n  app:\n    docker: { container: app, zzzzzz: 1 }\n'), ['drowse.yaml:3:31: services.app.docker.zzzzzz: unknown key "zzzzzz"']);
  assert.deepEqual(problems('services:\n  app:\n    docker: { container: app }\n    health: { exec: [x], retires: 2 }\n'), ['drowse.yaml:4:26: services.app.health.retires: unknown key "retires" (did you mean "retries"?)']);
});
