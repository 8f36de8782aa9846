import { expect, test } from 'vitest';
import { orderVideoCodecs } from './codecPreferences.ts';

test('orders VP9 > VP8 > H.264, keeps unranked codecs after them and resilience codecs last', () => {
  // The order Chromium's RTCRtpReceiver.getCapabilities('video') returns.
  const capabilities = [
    { mimeType: 'video/VP8' },
    { mimeType: 'video/rtx' },
    { mimeType: 'video/VP9', sdpFmtpLine: 'profile-id=0' },
    { mimeType: 'video/VP9', sdpFmtpLine: 'profile-id=2' },
    { mimeType: 'video/H264', sdpFmtpLine: 'profile-level-id=42001f' },
    { mimeType: 'video/AV1' },
    { mimeType: 'video/red' },
    { mimeType: 'video/ulpfec' },
    { mimeType: 'video/flexfec-03' },
  ];
  expect(orderVideoCodecs(capabilities)).toEqual([
    { mimeType: 'video/VP9', sdpFmtpLine: 'profile-id=0' },
    { mimeType: 'video/VP9', sdpFmtpLine: 'profile-id=2' },
    { mimeType: 'video/VP8' },
    { mimeType: 'video/H264', sdpFmtpLine: 'profile-level-id=42001f' },
    { mimeType: 'video/AV1' },
    { mimeType: 'video/rtx' },
    { mimeType: 'video/red' },
    { mimeType: 'video/ulpfec' },
    { mimeType: 'video/flexfec-03' },
  ]);
});

test('returns a new array and leaves the capabilities as they were', () => {
  const capabilities = [{ mimeType: 'video/H264' }, { mimeType: 'video/VP9' }];
  orderVideoCodecs(capabilities);
  expect(capabilities.map((c) => c.mimeType)).toEqual(['video/H264', 'video/VP9']);
});

test('can put one codec first (the SFU room is VP8), the rest in the usual order', () => {
  const capabilities = [{ mimeType: 'video/H264' }, { mimeType: 'video/VP9' }, { mimeType: 'video/VP8' }];
  expect(orderVideoCodecs(capabilities, 'video/VP8').map((c) => c.mimeType)).toEqual([
    'video/VP8',
    'video/VP9',
    'video/H264',
  ]);
});
