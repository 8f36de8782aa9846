import { describe, expect, test } from 'vitest';
import { sdpFingerprint, sdpIceUfrag } from './sdp.ts';

const SDP = [
  'v=0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=ice-ufrag:Xy12',
  'a=ice-pwd:secret',
  'a=fingerprint:SHA-256 AB:CD:EF',
  '',
].join('\r\n');

describe('sdpFingerprint', () => {
  test('reads the DTLS fingerprint, case-insensitively', () => {
    expect(sdpFingerprint(SDP)).toBe('sha-256 ab:cd:ef');
  });

  test('is null for SDP without one', () => {
    expect(sdpFingerprint('v=0\r\n')).toBeNull();
  });
});

describe('sdpIceUfrag', () => {
  test("reads the first media section's ICE username fragment", () => {
    expect(sdpIceUfrag(SDP)).toBe('Xy12');
    expect(sdpIceUfrag(SDP.replace('Xy12', 'Ab34'))).not.toBe(sdpIceUfrag(SDP));
  });

  test('is null without ICE credentials', () => {
    expect(sdpIceUfrag('v=0\r\n')).toBeNull();
  });
});
