import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The renderer, built once for two hosts: the backend serves dist/web at `/` (web client) and Electron loads
 * it from app://callbridge/, hence relative asset URLs. In development the Vite server proxies the API and
 * the signaling socket to a local backend (VITE_BACKEND_URL, default http://127.0.0.1:3000).
 */
export default defineConfig(({ command }) => {
  const backend = process.env.VITE_BACKEND_URL ?? 'http://127.0.0.1:3000';
  return {
    root: 'src/renderer',
    base: './',
    plugins: [react()],
    build: {
      outDir: '../../dist/web',
      emptyOutDir: true,
      target: 'chrome120',
      // No inline scripts or data: modules, which the strict CSP would refuse.
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
    },
    server:
      command === 'serve'
        ? {
            proxy: {
              '/api': backend,
              '/socket.io': { target: backend, ws: true },
            },
          }
        : undefined,
  };
});
