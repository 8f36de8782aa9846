import type { AppRuntime } from './runtime.ts';

declare global {
  interface Window {
    __callDebug?: { readonly engine: unknown; readonly store: AppRuntime['store'] };
  }
}

/**
 * Lets the end-to-end tests read the engine's getStats (frames decoded, packets received) and the store.
 * Only in development builds or with `?debug=1`, so production pages expose nothing by default.
 */
export function installCallDebug(runtime: AppRuntime, search: string): void {
  if (!import.meta.env.DEV && new URLSearchParams(search).get('debug') !== '1') return;
  window.__callDebug = {
    get engine() {
      return runtime.getServices()?.calls.engine ?? null;
    },
    store: runtime.store,
  };
}
