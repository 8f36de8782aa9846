import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appResponseHeaders, contentSecurityPolicy, resolveAppAsset } from './appProtocol.ts';

const root = path.resolve('/opt/CallBridge/dist/web');

describe('app:// protocol', () => {
  it('serves the renderer’s files with their content type', () => {
    expect(resolveAppAsset(root, 'app://callbridge/assets/index-abc.js')).toEqual({
      status: 200,
      filePath: path.join(root, 'assets', 'index-abc.js'),
      contentType: 'text/javascript; charset=utf-8',
    });
    expect(resolveAppAsset(root, 'app://callbridge/')).toMatchObject({
      filePath: path.join(root, 'index.html'),
    });
  });

  it('answers index.html for the single-page app’s routes', () => {
    expect(resolveAppAsset(root, 'app://callbridge/history?x=1')).toMatchObject({
      status: 200,
      filePath: path.join(root, 'index.html'),
    });
  });

  it('refuses paths that leave the web root, and other hosts', () => {
    for (const sneaky of [
      '%2e%2e/%2e%2e/main/index.js',
      '../../main/index.js',
      '.%2e/x.js',
      '%2e%2e%2fx.js',
    ]) {
      const asset = resolveAppAsset(root, `app://callbridge/${sneaky}`);
      expect(asset.status !== 200 || asset.filePath.startsWith(root + path.sep)).toBe(true);
    }
    expect(resolveAppAsset(root, 'app://callbridge/..%2F..%2Fpackage.json').status).toBe(403);
    expect(resolveAppAsset(root, 'app://callbridge/..%2F..%2Fetc%2Fpasswd').status).toBe(403);
    expect(resolveAppAsset(root, 'app://callbridge/a%5C..%5C..%5Cx.js').status).toBe(400);
    expect(resolveAppAsset(root, 'app://callbridge/%00.js').status).toBe(400);
    expect(resolveAppAsset(root, 'app://callbridge/%E0%A4%A.js').status).toBe(400);
    expect(resolveAppAsset(root, 'app://other/index.html').status).toBe(404);
    expect(resolveAppAsset(root, 'app://callbridge/secret.exe').status).toBe(404);
  });

  it('sends a strict CSP: scripts and styles from the app only', () => {
    const csp = contentSecurityPolicy(null);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe');
    expect(appResponseHeaders('text/html', null)).toMatchObject({ 'X-Content-Type-Options': 'nosniff' });
  });

  it('lets the page reach only the configured server, over https/wss (or http/ws on this machine)', () => {
    expect(contentSecurityPolicy('https://calls.example.org:8443/base')).toContain(
      "connect-src 'self' https://calls.example.org:8443 wss://calls.example.org:8443;",
    );
    expect(contentSecurityPolicy('http://127.0.0.1:3000')).toContain(
      "connect-src 'self' http://127.0.0.1:3000 ws://127.0.0.1:3000;",
    );
    // No server yet, or one no longer acceptable (saved by an older version): the page reaches nothing.
    expect(contentSecurityPolicy(null)).toContain("connect-src 'self';");
    expect(contentSecurityPolicy('http://calls.example.org')).toContain("connect-src 'self';");
    for (const csp of [contentSecurityPolicy(null), contentSecurityPolicy('https://calls.example.org')]) {
      expect(csp).not.toMatch(/(^|\s)(https?|wss?):(\s|;)/);
    }
  });

  it('does not serve source maps', () => {
    expect(resolveAppAsset(root, 'app://callbridge/assets/index-abc.js.map').status).toBe(404);
  });
});
