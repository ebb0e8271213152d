/**
 * config/drowse.example.yaml documents every key with its default (CONTRACT §2). These tests keep
 * it in step with the schema: a key added to the schema and not to the example fails here, named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configSchema, schemaAt } from './schema.ts';

const EXAMPLE = new URL('../../config/drowse.example.yaml', import.meta.url);

/** One key of the schema: its dotted path ("*" for a name under a record) and its default, if any. */
interface SchemaKey {
  readonly path: string;
  readonly default?: unknown;
}

/** Every key path of the schema, walked as schemaAt walks it: through wrappers, records and unions of objects. */
function schemaKeys(schema: z.ZodType, prefix: readonly string[] = []): SchemaKey[] {
  const keys: SchemaKey[] = [];
  const { inner, fallback } = unwrap(schema);
  if (prefix.length > 0) keys.push({ path: prefix.join('.'), ...(fallback === undefined ? {} : { default: fallback }) });
  if (inner instanceof z.ZodObject) {
    for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodType>)) keys.push(...schemaKeys(child, [...prefix, key]));
  } else if (inner instanceof z.ZodRecord) {
    keys.push(...schemaKeys(inner.valueType as z.ZodType, [...prefix, '*']).filter((k) => k.path !== [...prefix, '*'].join('.')));
  } else if (inner instanceof z.ZodUnion) {
    for (const option of inner.options as z.ZodType[]) {
      if (unwrap(option).inner instanceof z.ZodObject) keys.push(...schemaKeys(option, prefix).filter((k) => k.path !== prefix.join('.')));
    }
  }
  return keys;
}

/** The schema under optional/default/prefault, and the default a ZodDefault declares (prefaults are whole sections, not values). */
function unwrap(schema: z.ZodType): { inner: z.ZodType; fallback?: unknown } {
  let inner = schema;
  let fallback: unknown;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault || inner instanceof z.ZodNullable) {
    if (inner instanceof z.ZodDefault) fallback = (inner.def as { defaultValue: unknown }).defaultValue;
    inner = inner.unwrap() as z.ZodType;
  }
  return fallback === undefined ? { inner } : { inner, fallback };
}

/** A key the example writes, set or commented out, with where it is. */
interface ExampleKey {
  readonly path: string;
  /** 0-based line of its first appearance. */
  readonly line: number;
}

/**
 * Every key the example mentions, by indentation, whether set (`  idle_timeout: 15m`) or commented
 * out (`  # listen: 127.0.0.1:9090`, where the text after "# " is indented as if uncommented), and
 * the keys inside flow mappings on the same line (`docker: { container: postgres }`). Names under
 * a record (services.whoami) become "*", as in {@link schemaKeys}.
 */
function exampleKeys(text: string): ExampleKey[] {
  const found: ExampleKey[] = [];
  const stack: Array<{ indent: number; key: string }> = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const match = /^(\s*)(?:#\s?(\s*))?([a-z_][a-z0-9_]*):(?:\s+(.*))?$/.exec(line);
    if (!match) return;
    const indent = (match[1] ?? '').length + (match[2] ?? '').length;
    const key = match[3] ?? '';
    while ((stack.at(-1)?.indent ?? -1) >= indent) stack.pop();
    const path = [...stack.map((s) => s.key), key];
    stack.push({ indent, key });
    found.push({ path: normalise(path), line: index });
    const value = (match[4] ?? '').trim();
    if (value.startsWith('{')) {
      let flow: unknown;
      try {
        flow = parseYaml(value);
      } catch {
        return; // prose that happens to start with "{" is no key
      }
      for (const nested of flowKeys(flow, path)) found.push({ path: normalise(nested), line: index });
    }
  });
  return found;
}

function flowKeys(value: unknown, prefix: readonly string[]): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...flowKeys(v, [...prefix, k])]);
}

/** The dotted path with each name under a record replaced by "*". */
function normalise(path: readonly string[]): string {
  return path.map((segment, i) => (schemaAt(path.slice(0, i)) instanceof z.ZodRecord ? '*' : segment)).join('.');
}

/** How a default reads in the file: strings as they are, lists and the rest as YAML flow would show them. */
function rendered(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

test('the example config names every key of the schema, set or commented out', async () => {
  const text = await readFile(EXAMPLE, 'utf8');
  const written = new Set(exampleKeys(text).map((k) => k.path));

  const missing = schemaKeys(configSchema).map((k) => k.path).filter((p) => !written.has(p));

  assert.deepEqual(missing, [], `config/drowse.example.yaml lacks these schema keys (add each with its default, commented out when it has none): ${missing.join(', ')}`);
});

test('the example config states the default of every key that has one, on its line or in the comment above', async () => {
  const text = await readFile(EXAMPLE, 'utf8');
  const lines = text.split('\n');
  const firstLine = new Map<string, number>();
  for (const k of exampleKeys(text)) if (!firstLine.has(k.path)) firstLine.set(k.path, k.line);

  const unstated = schemaKeys(configSchema).flatMap((k) => {
    const line = firstLine.get(k.path);
    if (k.default === undefined || line === undefined) return [];
    // The key's line and the comment lines directly above it.
    let from = line;
    while (from > 0 && /^\s*#/.test(lines[from - 1] ?? '')) from--;
    const around = lines.slice(from, line + 1).join('\n');
    return around.includes(rendered(k.default)) ? [] : [`${k.path} (default ${rendered(k.default)})`];
  });

  assert.deepEqual(unstated, [], `config/drowse.example.yaml does not state these defaults: ${unstated.join(', ')}`);
});

test('the key walk finds keys under records and commented-out keys, and reports a missing one by path', () => {
  const keys = exampleKeys('providers:\n  docker:\n    local:\n      socket: /x\n    # nas:\n    #   url: tcp://nas.lan:2376\nservices:\n  a:\n    docker: { container: a }\n');
  assert.deepEqual(keys.map((k) => k.path), ['providers', 'providers.docker', 'providers.docker.*', 'providers.docker.*.socket', 'providers.docker.*', 'providers.docker.*.url', 'services', 'services.*', 'services.*.docker', 'services.*.docker.container']);
  const schemaPaths = schemaKeys(configSchema).map((k) => k.path);
  for (const p of ['entrypoints.http', 'providers.docker.*.tls.ca', 'services.*.health.http.expect', 'defaults.wake_filter.deny', 'limits.sse_total']) assert.ok(schemaPaths.includes(p), p);
  assert.equal(schemaKeys(configSchema).find((k) => k.path === 'defaults.idle_timeout')?.default, '15m');
});
