import { describe, expect, it } from 'vitest';
import { memberMapOf } from '../../store/callMembers.ts';
import type { CallMember, PeerConnectionState } from '../../store/callMembers.ts';
import { ringingStatus } from './ringingStatus.ts';

function ringingCallTo(...connections: (PeerConnectionState | null)[]) {
  const participants = connections.map(
    (connection, i) => ({ userId: `u${i}`, name: i === 0 ? 'Bob' : `Person ${i}`, connection }) as CallMember,
  );
  return { members: memberMapOf(participants) };
}

describe('what the caller reads while the call rings', () => {
  it("follows the connection to the callee's ringing device", () => {
    expect(ringingStatus(ringingCallTo(null))).toBe('Calling…');
    expect(ringingStatus(ringingCallTo('connecting'))).toBe('Connecting…');
    expect(ringingStatus(ringingCallTo('connected'))).toBe('Ringing…');
  });

  it('says so while it still rings when the callee cannot be reached', () => {
    expect(ringingStatus(ringingCallTo('failed'))).toBe("Can't reach Bob");
  });

  it('a group call rings everyone without pre-connecting: just calling', () => {
    expect(ringingStatus(ringingCallTo('failed', null))).toBe('Calling…');
  });
});
