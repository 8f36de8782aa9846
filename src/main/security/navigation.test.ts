import { describe, expect, it } from 'vitest';
import {
  externalLinkDecision,
  externalUrlToOpen,
  navigationDecision,
  windowOpenDecision,
} from './navigation.ts';

describe('navigation policy', () => {
  it('keeps the app on its own pages', () => {
    expect(navigationDecision('app://callbridge/index.html#/history')).toEqual({ allow: true });
    expect(navigationDecision('file:///etc/passwd')).toEqual({ allow: false, openExternally: null });
    expect(navigationDecision('http://127.0.0.1:3000/')).toEqual({
      allow: false,
      openExternally: 'http://127.0.0.1:3000/',
    });
  });

  it('hands only web and mail links to the OS, and nothing else', () => {
    expect(navigationDecision('https://callbridge.example/help')).toEqual({
      allow: false,
      openExternally: 'https://callbridge.example/help',
    });
    expect(windowOpenDecision('https://example.org/a?b=c')).toEqual({
      allow: false,
      openExternally: 'https://example.org/a?b=c',
    });
    expect(externalUrlToOpen('mailto:help@calls.example.com')).toBe('mailto:help@calls.example.com');
    expect(windowOpenDecision('app://callbridge/')).toEqual({ allow: false, openExternally: null });
    for (const url of [
      'javascript:alert(1)',
      'smb://server/share',
      'ms-msdt:/id PCWDiagnostic',
      'file:///C:/Windows/System32/calc.exe',
      'tel:+123',
      'https://bank.example@evil.example/',
      `https://example.org/${'a'.repeat(3000)}`,
      'not a url',
    ]) {
      expect(externalUrlToOpen(url)).toBeNull();
    }
  });

  it('opens links on the configured server directly and asks before any other', () => {
    const server = 'https://calls.example.com';
    expect(externalLinkDecision('https://calls.example.com/terms', server)).toEqual({
      action: 'open',
      url: 'https://calls.example.com/terms',
    });
    expect(externalLinkDecision('https://calls.example.com.evil.example/terms', server)).toEqual({
      action: 'confirm',
      url: 'https://calls.example.com.evil.example/terms',
      destination: 'calls.example.com.evil.example',
    });
    // Same host, other scheme or port: another origin.
    expect(externalLinkDecision('http://calls.example.com/terms', server)).toMatchObject({
      action: 'confirm',
    });
    expect(externalLinkDecision('https://calls.example.com:8443/', server)).toMatchObject({
      action: 'confirm',
    });
    // A look-alike host is shown as what it really is.
    expect(externalLinkDecision('https://cаlls.example.com/', server)).toMatchObject({
      action: 'confirm',
      destination: 'xn--clls-53d.example.com',
    });
    expect(externalLinkDecision('mailto:help@calls.example.com', server)).toEqual({
      action: 'confirm',
      url: 'mailto:help@calls.example.com',
      destination: 'help@calls.example.com',
    });
    expect(externalLinkDecision('https://example.org/', null)).toMatchObject({ action: 'confirm' });
    expect(externalLinkDecision('javascript:alert(1)', server)).toEqual({ action: 'deny' });
  });
});
