import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { configJsonSchema, formatProblem, parseConfig } from './index.ts';

const EXAMPLE = new URL('../../config/drowse.example.yaml', import.meta.url);

type JsonSchema = { properties?: Record<string, JsonSchema>; additionalProperties?: JsonSchema | boolean; anyOf?: JsonSchema[]; items?: JsonSchema; description?: string };

/** Every [dotted key, schema] in the JSON Schema, through records, lists and unions. */
function keys(schema: JsonSchema, prefix = ''): Array<[string, JsonSchema]> {
  const out: Array<[string, JsonSchema]> = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    out.push([`${prefix}${key}`, child], ...keys(child, `${prefix}${key}.`));
  }
  if (typeof schema.additionalProperties === 'object') out.push(...keys(schema.additionalProperties, `${prefix}*.`));
  for (const option of schema.anyOf ?? []) out.push(...keys(option, prefix));
  if (schema.items) out.push(...keys(schema.items, prefix));
  return out;
}

test('the JSON Schema describes every key of the file', () => {
  const schema = configJsonSchema() as JsonSchema;
  const all = keys(schema);
  for (const top of ['entrypoints', 'control', 'log', 'providers', 'defaults', 'services']) {
    assert.ok(schema.properties?.[top], `no properties.${top}`);
  }
  assert.ok(all.some(([key]) => key === 'services.*.http.target'));
  const undocumented = all.filter(([, s]) => !s.description).map(([key]) => key);
  assert.deepEqual(undocumented, []);
});

test('the JSON Schema is plain JSON with defaults for editors', () => {
  const schema = JSON.parse(JSON.stringify(configJsonSchema())) as { properties: { defaults: { properties: { idle_timeout: { default: string } } } } };
  assert.equal(schema.properties.defaults.properties.idle_timeout.default, '15m');
});

test('the example config parses with no problems and no warnings', async () => {
  const result = parseConfig(await readFile(EXAMPLE, 'utf8'), 'config/drowse.example.yaml', {});
  assert.ok(result.ok, !result.ok ? result.problems.map(formatProblem).join('\n') : '');
  assert.deepEqual(result.warnings, []);
  assert.deepEqual(result.config.services.map((s) => s.name), ['whoami', 'db']);
});

test('the example config mentions every key the schema knows', async () => {
  const text = await readFile(EXAMPLE, 'utf8');
  const names = new Set(keys(configJsonSchema() as JsonSchema).map(([key]) => key.split('.').at(-1) ?? ''));
  const missing = [...names].filter((name) => !new RegExp(`^\\s*#?\\s*${name}:`, 'm').test(text));
  assert.deepEqual(missing, []);
});
