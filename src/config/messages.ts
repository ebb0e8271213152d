import * as z from 'zod';
import type { Finding, Path } from './positions.ts';
import { schemaAt } from './schema.ts';
import { closest } from './suggest.ts';

/**
 * Zod's words are for programmers ("Invalid input: expected string, received number"); these are
 * for someone editing a YAML file. Messages set on the schema itself win over this map.
 */
export const humanErrors: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'required' : `expected ${typeWord(issue.expected)}, got ${describe(issue.input)}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `expected ${String(issue.values[0])}` : `expected one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return issue.origin === 'string' || issue.origin === 'array' ? 'must not be empty' : undefined;
    case 'invalid_key':
      return issue.issues[0]?.message;
    default:
      return undefined;
  }
};

/** Findings for zod's issues: one per unknown key (pointing at the key), one per other issue. */
export function issueFindings(issues: readonly z.core.$ZodIssue[]): Finding[] {
  return issues.flatMap((issue): Finding[] => {
    const path = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(path, key), at: 'key' }));
    }
    return [{ path, message: issue.message, at: issue.code === 'invalid_key' ? 'key' : 'value' }];
  });
}

function unknownKeyMessage(parent: Path, key: string): string {
  const schema = schemaAt(parent);
  const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  const suggestion = closest(key, known);
  return suggestion === undefined ? `unknown key "${key}"` : `unknown key "${key}" (did you mean "${suggestion}"?)`;
}

function typeWord(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
      return 'a map';
    case 'array':
      return 'a list';
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    default:
      return expected;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `"${value}"`;
  return String(value);
}
