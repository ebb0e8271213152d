import { isMap, isPair, isScalar, isSeq, Scalar, type Document, type Node } from 'yaml';
import type { Finding, Path } from './positions.ts';

// ${NAME}, ${NAME:-default}, $$ (a literal $), and anything else after "${" so it can be reported.
const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{[^}]*\}?/g;

/** Result of expanding one string: the new text, or the problem that prevented it. */
export type Expansion = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string };

/**
 * Expands ${VAR}, ${VAR:-default} (used when VAR is unset or empty) and $$ in one string. Every
 * value taken from the environment is handed to `secret`: it may be a password, and must not be
 * shown wherever the expanded text travels.
 */
export function expandString(text: string, env: NodeJS.ProcessEnv, secret?: (value: string) => void): Expansion {
  let problem: string | undefined;
  const expanded = text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$$') return '$';
    if (name === undefined) {
      problem ??= `malformed reference ${match}: expected \${VAR} or \${VAR:-default}`;
      return match;
    }
    const value = env[name];
    if (value !== undefined && value !== '') {
      secret?.(value);
      return value;
    }
    if (fallback !== undefined) return fallback;
    if (value === undefined) problem ??= `environment variable ${name} is not set`;
    return '';
  });
  return problem === undefined ? { ok: true, text: expanded } : { ok: false, message: problem };
}

/**
 * Expands every string value of the document in place, so node positions stay valid for error
 * reporting. Keys are left alone: names are structure, not configuration.
 */
export function expandDocument(doc: Document, env: NodeJS.ProcessEnv, secrets?: Set<string>): Finding[] {
  const secret = secrets && ((value: string) => void secrets.add(value));
  const findings: Finding[] = [];
  const walk = (node: Node | null | undefined, path: Path): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isPair(pair) && isScalar(pair.key)) walk(pair.value as Node | null, [...path, String(pair.key.value)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item as Node | null, [...path, index]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
      const result = expandString(node.value, env, secret);
      if (!result.ok) findings.push({ path, message: result.message });
      else node.value = retype(result.text, node);
    }
  };
  walk(doc.contents, []);
  return findings;
}

// An unquoted `labels: ${DISCOVER:-true}` should mean what `labels: true` means, and an empty
// expansion what an empty value means; quoted scalars stay strings, as the user wrote them.
function retype(text: string, node: Scalar): unknown {
  if (node.type !== Scalar.PLAIN) return text;
  if (/^(?:|~|null|Null|NULL)$/.test(text)) return null;
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  return text;
}
