/**
 * Secret values (everything that came from ${VAR}, tokens) are removed from text on its way out:
 * log lines, control API answers, metrics. Matching values rather than field names is what catches
 * a secret that travelled into a probe URL, a command line or an engine's error message.
 */

/** What replaces a secret. */
export const REDACTED = '[redacted]';

/**
 * Values shorter than this are not treated as secrets: redacting every "1" or "on" a variable held
 * would shred timestamps and numbers, and no token is that short.
 */
export const MIN_SECRET_LENGTH = 4;

/** Replaces known secret values, in every spelling they take in URLs and JSON, with a marker. */
export class Redactor {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  constructor(secrets: Iterable<string> = []) {
    this.add(secrets);
  }

  /** Adds secrets (a reload may bring new ones); short values are ignored. */
  add(secrets: Iterable<string>): void {
    for (const s of secrets) {
      if (s.length < MIN_SECRET_LENGTH) continue;
      for (const form of spellings(s)) this.values.add(form);
    }
    // Longest first, so a secret that contains another is replaced whole.
    const sorted = [...this.values].sort((a, b) => b.length - a.length);
    this.pattern = sorted.length === 0 ? undefined : new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  }

  /** True when there is nothing to redact. */
  get empty(): boolean {
    return this.pattern === undefined;
  }

  /** The text with every secret replaced. */
  redact(text: string): string {
    return this.pattern === undefined ? text : text.replace(this.pattern, REDACTED);
  }
}

/** The forms a value takes once it is put into a URL (path or query) or a JSON string. */
function spellings(value: string): Set<string> {
  const forms = new Set([value, encodeURIComponent(value), encodeURI(value), JSON.stringify(value).slice(1, -1)]);
  try {
    // WHATWG URL serialisation escapes a slightly different set (e.g. a space in a query is %20, "'" is kept).
    const u = new URL(`http://x/${value}?${value}`);
    forms.add(u.pathname.slice(1));
    forms.add(u.search.slice(1));
  } catch {
    // A value that cannot sit in a URL is never in one.
  }
  for (const f of [...forms]) forms.add(JSON.stringify(f).slice(1, -1));
  forms.delete('');
  return forms;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
