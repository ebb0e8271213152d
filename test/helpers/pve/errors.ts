/**
 * A failure as PVE answers it: the HTTP status with the message as the reason phrase, body
 * `{data:null}`, plus per-parameter `errors` on 400.
 */
export class PveApiError extends Error {
  readonly status: number;
  readonly errors: Readonly<Record<string, string>> | undefined;

  constructor(status: number, message: string, errors?: Record<string, string>) {
    super(message);
    this.name = 'PveApiError';
    this.status = status;
    this.errors = errors;
  }
}

/** PVE's answer to any parameter that fails its schema. */
export function paramError(errors: Record<string, string>): PveApiError {
  return new PveApiError(400, 'Parameter verification failed.', errors);
}
