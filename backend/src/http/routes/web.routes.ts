import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The built web client, same-origin with its API and socket, so the CSP can stay 'self'-only.
 * WebRTC media needs blob: and mediastream: for local previews; connect-src 'self' covers the same-origin
 * WebSocket in current Chromium, Firefox and Safari.
 */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Registers the web client when `webDir` holds a build; returns whether it did. */
export async function webRoutes(app: FastifyInstance, webDir: string): Promise<boolean> {
  if (!existsSync(path.join(webDir, 'index.html'))) return false;
  await app.register(fastifyStatic, {
    root: webDir,
    wildcard: false,
    setHeaders: (reply) => {
      reply.header('content-security-policy', WEB_CSP);
    },
  });
  return true;
}

/** Client-side routes (a reload on /call/…) get the app shell; API and asset misses stay 404. */
export function isAppShellRequest(method: string, url: string, accept: string | undefined): boolean {
  return (
    method === 'GET' &&
    !url.startsWith('/api/') &&
    !url.startsWith('/socket.io/') &&
    !path.extname(url.split('?')[0] ?? '') &&
    (accept ?? '').includes('text/html')
  );
}
