/** The browser's own wording of an error, for the console only (never a stack). */
export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
