import { describe, expect, it } from 'vitest';
import { TurnCredentialsResponse } from '../../../src/shared/protocol/index.ts';
import { issueTurnCredentials, type TurnConfig } from './turnCredentials.ts';

const userId = '6f1c1f0e-3c1a-4a57-9f0a-2b2f3c4d5e6f';
// 1736517600 - 86400: issued one TTL before the spec's example expiry.
const now = new Date('2025-01-09T14:00:00.000Z');
const config: TurnConfig = {
  host: 'turn.example.com',
  port: 3478,
  tlsPort: 5349,
  secret: 'north-wind-turn-secret',
  ttlSeconds: 86_400,
  stunUrls: [],
};

describe('issueTurnCredentials', () => {
  it('matches the password coturn derives from the shared secret', () => {
    const { response, record } = issueTurnCredentials(config, [], userId, now);

    // Produced independently of this code:
    //   printf '%s' '1736517600:6f1c1f0e-3c1a-4a57-9f0a-2b2f3c4d5e6f' \
    //     | openssl dgst -sha1 -hmac 'north-wind-turn-secret' -binary | base64
    const expectedCredential = 'UcbL0Q+wS5If0erfuEhmQfsgWN0=';
    expect(response.credentials).toEqual({
      urls: [
        'turn:turn.example.com:3478?transport=udp',
        'turn:turn.example.com:3478?transport=tcp',
        'turns:turn.example.com:5349?transport=tcp',
      ],
      username: `1736517600:${userId}`,
      credential: expectedCredential,
    });
    expect(response.expiresAt).toBe('2025-01-10T14:00:00.000Z');
    expect(response.ttlSeconds).toBe(86_400);
    expect(response.turnConfigured).toBe(true);
    expect(record).toEqual({
      username: `1736517600:${userId}`,
      credential: expectedCredential,
      expiresAt: new Date('2025-01-10T14:00:00.000Z'),
    });
    expect(TurnCredentialsResponse.parse(response)).toEqual(response);
  });

  it('expires on a whole second so the username and expiresAt agree', () => {
    const { response } = issueTurnCredentials(config, [], userId, new Date('2025-01-09T14:00:00.999Z'));
    expect(response.credentials?.username.startsWith('1736517600:')).toBe(true);
    expect(response.expiresAt).toBe('2025-01-10T14:00:00.000Z');
  });

  it('offers the TURN server as STUN too, and a TURN entry a peer connection can use', () => {
    const { response } = issueTurnCredentials({ ...config, tlsPort: null }, ['stun:ignored:1'], userId, now);
    expect(response.iceServers).toEqual([
      { urls: ['stun:turn.example.com:3478'] },
      {
        urls: ['turn:turn.example.com:3478?transport=udp', 'turn:turn.example.com:3478?transport=tcp'],
        username: `1736517600:${userId}`,
        credential: 'UcbL0Q+wS5If0erfuEhmQfsgWN0=',
      },
    ]);
  });

  it('prefers configured STUN servers and brackets an IPv6 TURN host', () => {
    const { response } = issueTurnCredentials(
      { ...config, host: '2001:db8::1', tlsPort: null, stunUrls: ['stun:stun.example.org:3478'] },
      [],
      userId,
      now,
    );
    expect(response.iceServers[0]).toEqual({ urls: ['stun:stun.example.org:3478'] });
    expect(response.credentials?.urls).toEqual([
      'turn:[2001:db8::1]:3478?transport=udp',
      'turn:[2001:db8::1]:3478?transport=tcp',
    ]);
  });

  it('says TURN is not configured and hands out STUN only', () => {
    const { response, record } = issueTurnCredentials(null, ['stun:stun.example.org:3478'], userId, now);
    expect(response).toEqual({
      credentials: null,
      expiresAt: null,
      iceServers: [{ urls: ['stun:stun.example.org:3478'] }],
      turnConfigured: false,
      ttlSeconds: null,
    });
    expect(record).toBeNull();
    expect(issueTurnCredentials(null, [], userId, now).response.iceServers).toEqual([]);
  });
});
