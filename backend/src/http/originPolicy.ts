/**
 * The browser origins allowed to use the API and the socket: the configured list, plus the server's own
 * origin when CORS_ORIGINS is not set and the port is only known after listen (PORT=0).
 */
export interface OriginPolicy {
  /** Requests without an Origin header come from non-browser clients (desktop main process, CLI, tests). */
  isAllowed(origin: string | undefined): boolean;
  allow(origins: readonly string[]): void;
}

export function createOriginPolicy(initial: readonly string[]): OriginPolicy {
  const allowed = new Set(initial);
  return {
    isAllowed: (origin) => origin === undefined || allowed.has(origin),
    allow(origins) {
      for (const o of origins) allowed.add(o);
    },
  };
}
