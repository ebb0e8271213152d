/** The message of anything thrown: an Error's message, or the value in words. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
