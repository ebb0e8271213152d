/** The one message every malformed duration gets, so users learn the format from any mistake. */
export const DURATION_MESSAGE = 'expected a duration like 30s or 15m';

/** The shape of a duration: one or more number+unit parts, e.g. "500ms", "1h30m", "1.5s", "7d". */
export const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/**
 * The longest duration any key takes. Longer is surely a typo, and it keeps every duration a safe
 * integer of milliseconds; timers longer than setTimeout's 2^31-1 ms are chained by the clock.
 */
export const MAX_DURATION = '365d';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds for a duration string, or undefined when it is not one (a bare number is not) or too long to be a number. */
export function tryParseDuration(text: string): number | undefined {
  const ms = durationMs(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Milliseconds for a well-formed duration, Infinity when its digits overflow, NaN when it is not a duration. */
export function durationMs(text: string): number {
  if (!DURATION_PATTERN.test(text)) return Number.NaN;
  let total = 0;
  // "ms" must be tried before "m" or "500ms" would read as 500 minutes and a stray "s".
  for (const part of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(part[1]) * (UNIT_MS[part[2] ?? ''] ?? Number.NaN);
  }
  return Math.round(total);
}

/** Milliseconds for a duration string like "30s" or "1h30m"; throws on anything else. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) throw new Error(`duration ${JSON.stringify(text)}: ${DURATION_MESSAGE}`);
  return ms;
}
