import { createContext, useContext, useSyncExternalStore } from 'react';
import { useStore } from 'zustand';
import type { AppState } from '../store/appStore.ts';
import type { AppRuntime, SessionServices } from './runtime.ts';

export const RuntimeContext = createContext<AppRuntime | null>(null);

export function useRuntime(): AppRuntime {
  const runtime = useContext(RuntimeContext);
  if (!runtime) throw new Error('useRuntime() outside <RuntimeContext>');
  return runtime;
}

export function useAppStore<T>(selector: (state: AppState) => T): T {
  return useStore(useRuntime().store, selector);
}

/** The signed-in session's services, or null while signed out. */
export function useServices(): SessionServices | null {
  const runtime = useRuntime();
  return useSyncExternalStore(runtime.subscribe, runtime.getServices);
}

/** For screens that only render inside a session. */
export function useSession(): SessionServices {
  const services = useServices();
  if (!services) throw new Error('useSession() while signed out');
  return services;
}
