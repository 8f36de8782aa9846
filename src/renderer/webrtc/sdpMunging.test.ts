import { describe, expect, test } from 'vitest';
import { asDtlsServer, withOpusFecAndNoDtx } from './sdpMunging.ts';

const audioSection = (fmtp: string | null) =>
  [
    'v=0',
    'a=fingerprint:sha-256 AB:CD:EF',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63',
    'a=rtpmap:111 opus/48000/2',
    ...(fmtp === null ? [] : [`a=fmtp:111 ${fmtp}`]),
    'a=rtpmap:63 red/48000/2',
    'a=fmtp:63 111/111',
    '',
  ].join('\r\n');

describe('withOpusFecAndNoDtx', () => {
  test('turns FEC on and DTX off in an existing Opus fmtp, keeping the other parameters', () => {
    const out = withOpusFecAndNoDtx(audioSection('minptime=10;useinbandfec=0;usedtx=1'));
    expect(out).toContain('a=fmtp:111 minptime=10;useinbandfec=1;usedtx=0\r\n');
  });

  test('adds the parameters when the fmtp line lacks them', () => {
    expect(withOpusFecAndNoDtx(audioSection('minptime=10'))).toContain(
      'a=fmtp:111 minptime=10;useinbandfec=1;usedtx=0\r\n',
    );
  });

  test('adds an fmtp line right after the rtpmap when Opus has none', () => {
    const out = withOpusFecAndNoDtx(audioSection(null));
    expect(out).toContain('a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1;usedtx=0\r\n');
  });

  test('leaves other payloads (RED carrying Opus) and SDP without Opus untouched', () => {
    expect(withOpusFecAndNoDtx(audioSection('minptime=10'))).toContain('a=fmtp:63 111/111\r\n');
    const videoOnly = 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP9/90000\r\n';
    expect(withOpusFecAndNoDtx(videoOnly)).toBe(videoOnly);
  });

  test('is idempotent, so munging on send and on receive never stacks parameters', () => {
    const once = withOpusFecAndNoDtx(audioSection('minptime=10'));
    expect(withOpusFecAndNoDtx(once)).toBe(once);
  });
});

describe('asDtlsServer', () => {
  test('turns the answer of every m-line into the DTLS server (passive), in CRLF and LF SDP', () => {
    const answer =
      'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=setup:active\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=setup:active\r\n';
    expect(asDtlsServer(answer)).toBe(answer.replaceAll('a=setup:active', 'a=setup:passive'));
    expect(asDtlsServer('m=audio 9 x 111\na=setup:active\n')).toBe('m=audio 9 x 111\na=setup:passive\n');
  });

  test('leaves an answer that is passive already, and other lines, as they are', () => {
    const answer = 'v=0\r\na=setup:passive\r\na=x-setup:active\r\na=setup:activex\r\n';
    expect(asDtlsServer(answer)).toBe(answer);
  });
});
