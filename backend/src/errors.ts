import type { z } from 'zod';
import type { ErrorCode } from '../../src/shared/protocol/index.ts';

const STATUS_OF: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  call_full: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/**
 * An error meant for the client: its code, message and field go on the wire as they are, so the message must
 * never carry internals. Anything else thrown is logged and answered as a bare `internal`.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.code = code;
    this.field = field;
  }

  get httpStatus(): number {
    return STATUS_OF[this.code];
  }

  toJSON(): { code: ErrorCode; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

/** Parses outside input; a failure becomes a 400 naming the first bad field (`body`, `offer.sdp`, ...). */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, root?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const segments = [...(root === undefined ? [] : [root]), ...(issue?.path ?? []).map(String)];
  const field = segments.length > 0 ? segments.join('.') : 'payload';
  throw new AppError('bad_request', `${field}: ${issue?.message ?? 'invalid'}`, field);
}
