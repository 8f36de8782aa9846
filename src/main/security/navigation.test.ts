import { describe, expect, it } from 'vitest';
import { externalUrlToOpen, navigationDecision, windowOpenDecision } from './navigation.ts';

describe('navigation policy', () => {
  it('keeps the app on its own pages', () => {
    expect(navigationDecision('app://callbridge/index.html#/history')).toEqual({ allow: true });
    expect(navigationDecision('http://127.0.0.1:3000/')).toEqual({ allow: false, openExternally: null });
    expect(navigationDecision('file:///etc/passwd')).toEqual({ allow: false, openExternally: null });
  });

  it('sends https links to the browser, and nothing else', () => {
    expect(navigationDecision('https://callbridge.example/help')).toEqual({
      allow: false,
      openExternally: 'https://callbridge.example/help',
    });
    expect(windowOpenDecision('https://example.org/a?b=c')).toEqual({
      allow: false,
      openExternally: 'https://example.org/a?b=c',
    });
    expect(windowOpenDecision('app://callbridge/')).toEqual({ allow: false, openExternally: null });
    for (const url of [
      'javascript:alert(1)',
      'smb://server/share',
      'ms-msdt:/id PCWDiagnostic',
      'https://bank.example@evil.example/',
      `https://example.org/${'a'.repeat(3000)}`,
      'not a url',
    ]) {
      expect(externalUrlToOpen(url)).toBeNull();
    }
  });
});
