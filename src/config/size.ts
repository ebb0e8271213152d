/** The one message every malformed size gets, so users learn the format from any mistake. */
export const SIZE_MESSAGE = 'expected a size like 512KB, 10MB or 1GiB';

/** A whole number and a unit: B, KB/MB/GB (powers of 1000) or KiB/MiB/GiB (powers of 1024); case is ignored. */
export const SIZE_PATTERN = /^(\d{1,15})\s*(b|kb|mb|gb|kib|mib|gib)$/i;

const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** Bytes for a size string like "10MB", or undefined when it is not one (a bare number is not: its unit would be a guess). */
export function tryParseSize(text: string): number | undefined {
  const match = SIZE_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const bytes = Number(match[1]) * (UNIT_BYTES[(match[2] ?? '').toLowerCase()] ?? Number.NaN);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Bytes for a size string; throws on anything else. */
export function parseSize(text: string): number {
  const bytes = tryParseSize(text);
  if (bytes === undefined) throw new Error(`size ${JSON.stringify(text)}: ${SIZE_MESSAGE}`);
  return bytes;
}
