import { readFile } from 'node:fs/promises';
import { protocol, type Session } from 'electron';
import { APP_SCHEME } from '../../shared/ipc.ts';
import { errorMessage, type Logger } from '../log.ts';
import { appResponseHeaders, resolveAppAsset } from '../security/appProtocol.ts';

/** Must run before the app is ready: privileges cannot be granted to a scheme later. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      // standard + secure: a real origin and a secure context (getUserMedia needs one); corsEnabled and
      // supportFetchAPI: Vite's module scripts and fetch() of the app's own assets.
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
    },
  ]);
}

export function serveAppProtocol(
  session: Session,
  webRoot: string,
  /** The configured server, the only one the page's CSP lets it reach (none while null). */
  serverUrl: () => string | null,
  log: Logger,
): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    const asset = resolveAppAsset(webRoot, request.url);
    if (asset.status !== 200) {
      if (asset.status === 403)
        log.warn('app protocol: refused a path outside the app', { url: request.url.slice(0, 200) });
      return new Response(null, { status: asset.status });
    }
    try {
      const body = await readFile(asset.filePath);
      return new Response(body, { headers: appResponseHeaders(asset.contentType, serverUrl()) });
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      if (!missing) log.error('app protocol: read failed', { error: errorMessage(error) });
      return new Response(null, { status: missing ? 404 : 500 });
    }
  });
}
