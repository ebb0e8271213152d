import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import * as z from 'zod';
import { expandDocument } from './expand.ts';
import { MAX_ALIAS_COUNT, textProblems } from './input.ts';
import { humanErrors, issueFindings } from './messages.ts';
import { createLocator, type Finding } from './positions.ts';
import { formatProblem, sortProblems, type ConfigProblem, type LoadResult } from './problems.ts';
import { Redactor } from '../kernel/index.ts';
import { crossCheck, resolve } from './resolve.ts';
import { rememberDocument } from './discovered.ts';
import { configSchema, schemaAt } from './schema.ts';
import { structureProblems } from './structure.ts';
import { DOCKER_SIGNALS } from './signals.ts';
import { syntaxProblems } from './syntax.ts';

const EXAMPLE = 'see config/drowse.example.yaml';

/**
 * Values from the environment that are plain settings, not secrets: booleans, numbers, durations and
 * the config's own words. Redacting "true", "info" or "8080" would garble every message and log line.
 */
const PLAIN_SETTING = /^(?:true|false|yes|no|on|off|null|~|-?\d+(?:\.\d+)?|(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+|trace|debug|info|warn|error|fatal|silent|json|pretty|stop|pause|kill|stream|poll)$/i;

/** Parses, expands, validates and resolves config text; pure, so tests and reloads can call it directly. */
export function parseConfig(text: string, source: string, env: NodeJS.ProcessEnv): LoadResult {
  const refused = textProblems(text, source);
  if (refused.length > 0) return { ok: false, source, problems: refused };
  const lines = new LineCounter();
  // uniqueKeys off: the library's check is quadratic in a map's size; structure.ts does it linearly.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    // A tree the parser could not build would only add misleading follow-on problems.
    return { ok: false, source, problems: sortProblems(syntaxProblems(doc.errors, text, lines, source)) };
  }
  // "---" alone, blank lines or only comments: most likely the wrong file, or one not written yet.
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    const message = /^\s*#/m.test(text) ? `the config file has only comments, no settings; ${EXAMPLE}` : `the config file is empty; ${EXAMPLE}`;
    return { ok: false, source, problems: [{ file: source, line: 1, col: 1, path: '', message }] };
  }
  const shape = structureProblems(doc, lines, source);
  if (shape.length > 0) return { ok: false, source, problems: shape };
  const locator = createLocator(doc, lines, source);

  const expanded = new Set<string>();
  const expansion = expandDocument(doc, env, expanded);
  const secrets = new Set([...expanded].filter((v) => !PLAIN_SETTING.test(v) && !DOCKER_SIGNALS.has(v)));
  if (!isMap(doc.contents)) {
    const top = { path: [], message: 'expected a map of settings (key: value) at the top level' };
    return { ok: false, source, problems: sealed(sortProblems([...expansion, top].map(locator.problem)), secrets) };
  }

  let tree: unknown;
  try {
    tree = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // Bad merge sources and alias bombs surface only when the tree is built.
    const message = /alias count/i.test((err as Error).message)
      ? `YAML aliases expand to too much (more than ${MAX_ALIAS_COUNT} uses); write the values out`
      : (err as Error).message;
    return { ok: false, source, problems: sealed(sortProblems([...expansion, { path: [], message }].map(locator.problem)), secrets) };
  }
  const raw = withoutExtensions(dropEmpty(tree, []));
  const parsed = configSchema.safeParse(raw, { error: humanErrors });
  // A reference that did not expand also fails validation where it stands; say it once, the clear way.
  const unexpanded = new Set(expansion.map((f) => f.path.join('.')));
  const findings: Finding[] = [
    ...expansion,
    ...(parsed.success ? [] : issueFindings(parsed.error.issues).filter((f) => !unexpanded.has(f.path.join('.')))),
    ...crossCheck(raw),
  ];
  if (!parsed.success || findings.length > 0) return { ok: false, source, problems: sealed(sortProblems(findings.map(locator.problem)), secrets) };

  const resolved = resolve(parsed.data, source);
  const { warnings } = resolved;
  // The token is a secret even when written into the file itself.
  if (resolved.config.control.token !== undefined) secrets.add(resolved.config.control.token);
  // A token secret is one even when written into the file rather than taken from ${VAR}.
  for (const p of resolved.config.providers.proxmox) secrets.add(p.tokenSecret);
  const config = secrets.size === 0 ? resolved.config : { ...resolved.config, secrets: [...secrets] };
  rememberDocument(config, raw as Record<string, unknown>);
  const yamlWarnings = doc.warnings.map((w) => formatProblem({ file: source, ...lines.linePos(w.pos[0]), path: '', message: w.message }));
  const redactor = new Redactor(secrets);
  return { ok: true, config, warnings: [...yamlWarnings, ...warnings.map(locator.warning)].map((w) => redactor.redact(w)) };
}

/**
 * Problems quote what they found ("unknown service \"x\""), and what they found may have come from
 * the environment: `drowse check` output and reload errors show no secret either.
 */
function sealed(problems: ConfigProblem[], secrets: ReadonlySet<string>): ConfigProblem[] {
  if (secrets.size === 0) return problems;
  const redactor = new Redactor(secrets);
  return problems.map((p) => ({ ...p, message: redactor.redact(p.message) }));
}

/**
 * YAML reads `key:` with nothing after it as null. Under a fixed-key section that means "not
 * set" (so defaults apply); as a named entry (`services: { app: }`) it means an empty entry,
 * which keeps the name and lets validation say what the entry lacks.
 */
function dropEmpty(value: unknown, path: readonly (string | number)[]): unknown {
  if (Array.isArray(value)) return value.map((item, index) => dropEmpty(item, [...path, index]));
  if (typeof value !== 'object' || value === null) return value;
  const named = schemaAt(path) instanceof z.ZodRecord;
  // fromEntries, not assignment, so a "__proto__" key stays a key for validation to refuse.
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, item]) => item !== null || named)
      .map(([key, item]) => [key, item === null ? {} : dropEmpty(item, [...path, key])]),
  );
}

/** Top-level keys starting with "x-" hold YAML anchors to share, as in docker compose; drowse ignores them. */
function withoutExtensions(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('x-')));
}
