/**
 * The signaling server's address, as every place that accepts one parses it: the desktop sign-in form and
 * settings screen, the administrator's policy, the main process's settings and development overrides. One
 * schema so that none of them can be laxer than the others.
 *
 * Only https: is accepted (socket.io then upgrades to wss: on the same origin): passwords, tokens and SDP
 * with its DTLS fingerprints must never travel in clear. The one exception is a server on this machine
 * (127.0.0.0/8, ::1, localhost), for development, where nothing leaves the host.
 *
 * Pure TypeScript + zod: no DOM, no Node, no Electron.
 */
import { z } from 'zod';

const SERVER_URL_EXAMPLE = 'https://calls.example.com';

/** Hostnames that always resolve to this machine (RFC 6761 for localhost, RFC 1122 / RFC 4291 for the IPs). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]') return true;
  // WHATWG URL parsing has already turned 127.1, 0x7f.1 and friends into dotted-quad form.
  const quad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return quad !== null && quad[1] === '127' && quad.slice(2).every((part) => Number(part) <= 255);
}

/** Where plain http: is accepted: only to this machine for a server someone enters, anywhere for one in use. */
type Cleartext = 'loopback' | 'anywhere';

/** Why `input` is not a usable server address, phrased for the person who typed it; null when it is. */
function serverUrlProblem(url: URL, cleartext: Cleartext): string | null {
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `Use an https:// address, like ${SERVER_URL_EXAMPLE}`;
  if (url.protocol === 'http:' && cleartext === 'loopback' && !isLoopbackHost(url.hostname))
    return `Use https:// (plain http:// is only allowed for a server on this computer), like ${SERVER_URL_EXAMPLE}`;
  if (url.username || url.password) return 'Leave the user name and password out of the server address';
  if (url.search || url.hash) return `Enter only the server address, like ${SERVER_URL_EXAMPLE}`;
  return null;
}

function serverUrlSchema(cleartext: Cleartext) {
  return z
    .string()
    .trim()
    .max(2048, 'That server address is too long')
    .transform((input, ctx) => {
      let url: URL;
      try {
        url = new URL(input);
      } catch {
        ctx.addIssue({ code: 'custom', message: `Enter the server address, like ${SERVER_URL_EXAMPLE}` });
        return z.NEVER;
      }
      const problem = serverUrlProblem(url, cleartext);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    });
}

/**
 * A server URL, normalised to origin + path without a trailing slash (`https://calls.example.com`,
 * `https://example.com/callbridge`), so that equal servers compare equal. What a person or a policy enters.
 */
export const ServerUrl = serverUrlSchema('loopback');
export type ServerUrl = z.output<typeof ServerUrl>;

/**
 * The server a client already talks to, as its settings and saved session record it: the same rules, but
 * plain http: to any host, because the web client's server is the origin that served the page (a plain-http
 * deployment on a LAN included); the desktop only ever stores a ServerUrl there.
 */
export const ServerInUseUrl = serverUrlSchema('anywhere');

/**
 * The origins a page must be allowed to connect to for this server: its HTTP origin (REST) and the matching
 * WebSocket origin (socket.io). Null for anything ServerUrl refuses.
 */
export function serverConnectOrigins(serverUrl: string): { http: string; ws: string } | null {
  const parsed = ServerUrl.safeParse(serverUrl);
  if (!parsed.success) return null;
  const url = new URL(parsed.data);
  return { http: url.origin, ws: `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}` };
}

/** The server's origin (scheme, host and port), or null when `serverUrl` is not a usable server URL. */
export function serverOrigin(serverUrl: string | null): string | null {
  return serverUrl === null ? null : (serverConnectOrigins(serverUrl)?.http ?? null);
}
