import { describe, expect, it } from 'vitest';
import {
  isLoopbackHost,
  serverConnectOrigins,
  serverOrigin,
  ServerInUseUrl,
  ServerUrl,
} from './serverUrl.ts';

const parse = (input: string) => ServerUrl.safeParse(input);
const problem = (input: string) => {
  const result = parse(input);
  return result.success ? null : result.error.issues[0]?.message;
};

describe('server URL', () => {
  it('accepts https servers, normalised so that equal servers compare equal', () => {
    expect(parse('https://calls.example.com').data).toBe('https://calls.example.com');
    expect(parse('  HTTPS://Calls.Example.com:443/  ').data).toBe('https://calls.example.com');
    expect(parse('https://example.com:8443/callbridge//').data).toBe('https://example.com:8443/callbridge');
  });

  it('refuses cleartext http to any host that is not this machine', () => {
    for (const url of [
      'http://calls.example.com',
      'http://10.0.0.5:3000',
      'http://192.168.1.20',
      'http://[fe80::1]:3000',
      'http://127.example.com',
      'http://localhost.example.com',
    ]) {
      expect(problem(url)).toMatch(/https:\/\//);
    }
  });

  it('allows http only to loopback hosts, for development', () => {
    for (const url of [
      'http://127.0.0.1:3000',
      'http://127.12.0.9',
      'http://localhost:3000',
      'http://api.localhost:3000',
      'http://[::1]:3000',
      'http://127.1:3000',
    ]) {
      expect(parse(url).success).toBe(true);
    }
  });

  it('refuses other schemes, credentials, queries and garbage with a message for the person who typed it', () => {
    expect(problem('ws://127.0.0.1:3000')).toMatch(/https:\/\//);
    expect(problem('ftp://calls.example.com')).toMatch(/https:\/\//);
    expect(problem('javascript:alert(1)')).toMatch(/https:\/\//);
    expect(problem('https://user:pw@calls.example.com')).toMatch(/user name and password/);
    expect(problem('https://calls.example.com/?next=evil')).toMatch(/only the server address/);
    expect(problem('https://calls.example.com/#x')).toMatch(/only the server address/);
    expect(problem('calls.example.com')).toMatch(/Enter the server address/);
    expect(problem('')).toMatch(/Enter the server address/);
    expect(problem(`https://example.com/${'a'.repeat(3000)}`)).toMatch(/too long/);
  });

  it('keeps a server in use on plain http anywhere, but never another scheme or credentials', () => {
    expect(ServerInUseUrl.safeParse('http://10.0.0.5:3000/').data).toBe('http://10.0.0.5:3000');
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'https://user:pw@calls.example.com']) {
      expect(ServerInUseUrl.safeParse(url).success).toBe(false);
    }
  });

  it('knows which hosts are loopback', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('127.255.255.254')).toBe(true);
    expect(isLoopbackHost('LOCALHOST.')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('[::2]')).toBe(false);
    expect(isLoopbackHost('localhost.evil.example')).toBe(false);
  });

  it('gives the HTTP and WebSocket origins a page must reach for a server', () => {
    expect(serverConnectOrigins('https://calls.example.com:8443/base')).toEqual({
      http: 'https://calls.example.com:8443',
      ws: 'wss://calls.example.com:8443',
    });
    expect(serverConnectOrigins('http://127.0.0.1:3000')).toEqual({
      http: 'http://127.0.0.1:3000',
      ws: 'ws://127.0.0.1:3000',
    });
    expect(serverConnectOrigins('http://calls.example.com')).toBeNull();
    expect(serverOrigin('https://calls.example.com/x')).toBe('https://calls.example.com');
    expect(serverOrigin(null)).toBeNull();
  });
});
