import { describe, expect, it } from 'vitest';
import { checkHandChange } from './raisedHands.ts';

const host = 'host';
const change = (actorId: string, targetId: string, raised: boolean, targetJoined = true) =>
  checkHandChange({ actorId, targetId, raised, hostId: host, targetJoined });

describe('who may raise or lower whose hand', () => {
  it('everyone in the call raises and lowers their own', () => {
    expect(change('bob', 'bob', true)).toBeNull();
    expect(change('bob', 'bob', false)).toBeNull();
    expect(change(host, host, true)).toBeNull();
  });

  it("the host lowers anyone's hand; others may not", () => {
    expect(change(host, 'bob', false)).toBeNull();
    expect(change('carol', 'bob', false)).toMatchObject({ code: 'forbidden' });
  });

  it("nobody raises someone else's hand, not even the host", () => {
    expect(change(host, 'bob', true)).toMatchObject({ code: 'forbidden' });
    expect(change('carol', 'bob', true)).toMatchObject({ code: 'forbidden' });
  });

  it('a hand only moves for someone in the call', () => {
    expect(change(host, 'gone', false, false)).toMatchObject({ code: 'conflict' });
  });
});
