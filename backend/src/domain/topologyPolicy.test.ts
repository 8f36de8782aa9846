import { describe, expect, it } from 'vitest';
import { decideInitiate, decideJoin, type JoinSituation } from './topologyPolicy.ts';

const up: Omit<JoinSituation, 'joinedAfter'> = {
  currentTopology: 'mesh',
  sfuConfigured: true,
  sfuReachable: true,
};
const down = { ...up, sfuReachable: false };
const none = { ...up, sfuConfigured: false, sfuReachable: false };

describe('decideJoin', () => {
  it('keeps two participants peer to peer', () => {
    expect(decideJoin({ ...up, joinedAfter: 1 })).toEqual({ action: 'stay' });
    expect(decideJoin({ ...up, joinedAfter: 2 })).toEqual({ action: 'stay' });
  });

  it('moves the call to the SFU when the third joins', () => {
    expect(decideJoin({ ...up, joinedAfter: 3 })).toEqual({ action: 'move-to-sfu' });
    // A mesh call that grew while the SFU was down moves on the next join once it is back.
    expect(decideJoin({ ...up, joinedAfter: 4 })).toEqual({ action: 'move-to-sfu' });
  });

  it('keeps a call on the SFU, also when it drops back to two', () => {
    const onSfu = { ...up, currentTopology: 'sfu' as const };
    expect(decideJoin({ ...onSfu, joinedAfter: 2 })).toEqual({ action: 'stay' });
    expect(decideJoin({ ...onSfu, joinedAfter: 12 })).toEqual({ action: 'stay' });
    expect(decideJoin({ ...onSfu, sfuReachable: false, joinedAfter: 5 })).toEqual({ action: 'stay' });
  });

  it('refuses the 21st participant', () => {
    expect(decideJoin({ ...up, currentTopology: 'sfu', joinedAfter: 20 })).toEqual({ action: 'stay' });
    expect(decideJoin({ ...up, currentTopology: 'sfu', joinedAfter: 21 })).toMatchObject({
      action: 'refuse',
      code: 'call_full',
    });
  });

  it('meshes three when the SFU is down, and refuses the fourth as unavailable', () => {
    expect(decideJoin({ ...down, joinedAfter: 3 })).toEqual({ action: 'stay' });
    const refusal = decideJoin({ ...down, joinedAfter: 4 });
    expect(refusal).toMatchObject({ action: 'refuse', code: 'unavailable' });
    expect(refusal).toHaveProperty('message', expect.stringMatching(/media server is unreachable/));
  });

  it('without an SFU configured meshes three and refuses the fourth as call_full, saying why', () => {
    expect(decideJoin({ ...none, joinedAfter: 3 })).toEqual({ action: 'stay' });
    const refusal = decideJoin({ ...none, joinedAfter: 4 });
    expect(refusal).toMatchObject({ action: 'refuse', code: 'call_full' });
    expect(refusal).toHaveProperty('message', expect.stringMatching(/media server \(SFU\).*JANUS_URLS/));
  });
});

describe('decideInitiate', () => {
  it('refuses more than three participants without an SFU configured', () => {
    expect(decideInitiate({ participants: 3, sfuConfigured: false })).toBeNull();
    expect(decideInitiate({ participants: 4, sfuConfigured: false })).toMatchObject({
      code: 'call_full',
      message: expect.stringMatching(/more than 3 people need a media server/),
    });
  });

  it('lets a big call ring when an SFU is configured, up to the participant limit', () => {
    expect(decideInitiate({ participants: 20, sfuConfigured: true })).toBeNull();
    expect(decideInitiate({ participants: 21, sfuConfigured: true })).toMatchObject({ code: 'call_full' });
  });
});
