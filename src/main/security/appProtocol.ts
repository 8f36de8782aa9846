/**
 * The app:// protocol that serves the renderer (the Vite build in dist/web). A privileged standard scheme
 * instead of file:// gives the pages a real origin (app://callbridge) that the CSP, the permission handlers
 * and the IPC sender check can name, and keeps file:// and its access to the whole disk out of the picture.
 */
import path from 'node:path';
import { APP_HOST } from '../../shared/ipc.ts';
import { serverConnectOrigins } from '../../shared/serverUrl.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export type AppAsset =
  | { status: 200; filePath: string; contentType: string }
  | { status: 400 | 403 | 404; filePath: null; contentType: null };

const refuse = (status: 400 | 403 | 404): AppAsset => ({ status, filePath: null, contentType: null });

/**
 * Maps a request URL to a file under `webRoot`. Paths that would leave it (../, encoded %2e%2e%2f, a
 * backslash on Windows) are refused; paths without an extension are routes of the single-page app and get
 * index.html. Only the types above are served: source maps (.map) among others are not, so a build that
 * accidentally contains them still does not hand the app's sources to whatever runs in the page.
 */
export function resolveAppAsset(webRoot: string, requestUrl: string): AppAsset {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return refuse(400);
  }
  if (url.host !== APP_HOST) return refuse(404);
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return refuse(400);
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return refuse(400);
  const root = path.resolve(webRoot);
  const requested = path.resolve(root, ...pathname.split('/'));
  if (requested !== root && !requested.startsWith(root + path.sep)) return refuse(403);
  const filePath = path.extname(requested) === '' ? path.join(root, 'index.html') : requested;
  const contentType = CONTENT_TYPES[path.extname(filePath).toLowerCase()];
  return contentType ? { status: 200, filePath, contentType } : refuse(404);
}

/**
 * The renderer's Content-Security-Policy: its own scripts and styles only, no eval, no plugins, no framing.
 * Network access: the configured server only (its https origin and the wss origin socket.io upgrades to, or
 * http/ws for a development server on this machine), and nothing at all before a server is configured.
 * The policy is computed for every response, so the page loaded after the server setting changes (main
 * reloads it) follows the new server. Thumbnails and avatars arrive as data: URLs; media elements play
 * MediaStreams.
 */
export function contentSecurityPolicy(serverUrl: string | null): string {
  const origins = serverUrl === null ? null : serverConnectOrigins(serverUrl);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "font-src 'self'",
    ["connect-src 'self'", ...(origins ? [origins.http, origins.ws] : [])].join(' '),
    "worker-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

export function appResponseHeaders(contentType: string, serverUrl: string | null): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': contentSecurityPolicy(serverUrl),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}
