import type { Result } from '../shared/desktopApi.ts';

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const okVoid: Result<undefined> = { ok: true, value: undefined };
export const fail = (
  code: string,
  message: string,
): { ok: false; error: { code: string; message: string } } => ({
  ok: false,
  error: { code, message },
});

/** The first zod issue as one line naming the field, e.g. `limit: Too big: expected number to be <=200`. */
export function describeZodError(error: {
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>;
}): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid value';
  const field = issue.path.map(String).join('.');
  return field ? `${field}: ${issue.message}` : issue.message;
}
