import { ERRORS, type ErrorCode } from '@majlis/protocol';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * The one error type services throw. It carries a catalog code; the HTTP error handler (and the
 * WebSocket layer) render it, translated, so no layer invents its own error shapes.
 */
export class AppError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    readonly params: Record<string, string | number> = {},
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(`${code}: ${ERRORS[code].detail.en}`);
    this.name = 'AppError';
    this.statusCode = ERRORS[code].status;
  }
}

/** Shorthand for a 400 with one field problem. */
export function invalidField(field: string, message: string): AppError {
  return new AppError('validation_failed', {}, { errors: [{ field, message }] });
}
