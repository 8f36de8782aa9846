import { describe, expect, it } from 'vitest';
import {
  CALL_STATUSES,
  FINAL_CALL_STATUSES,
  PARTICIPANT_STATUSES,
  type CallStatus,
  type ParticipantStatus,
} from '../../../src/shared/protocol.ts';
import {
  CALL_TRANSITIONS,
  END_REASON_OF,
  PARTICIPANT_TRANSITIONS,
  transitionOnLeave,
  transitionOnReject,
  type CallTransition,
  type ParticipantTransition,
} from './callStateMachine.ts';

const canTransitionCall = (t: CallTransition, from: CallStatus) =>
  (CALL_TRANSITIONS[t].from as readonly CallStatus[]).includes(from);
const canTransitionParticipant = (t: ParticipantTransition, from: ParticipantStatus) =>
  (PARTICIPANT_TRANSITIONS[t].from as readonly ParticipantStatus[]).includes(from);

describe('call transition table', () => {
  it('never leaves a final status', () => {
    for (const status of FINAL_CALL_STATUSES) {
      for (const transition of Object.keys(CALL_TRANSITIONS) as CallTransition[]) {
        expect(canTransitionCall(transition, status), `${transition} from ${status}`).toBe(false);
      }
    }
  });

  it('allows exactly the documented moves', () => {
    const allowed = Object.fromEntries(
      (Object.keys(CALL_TRANSITIONS) as CallTransition[]).map((t) => [
        t,
        CALL_STATUSES.filter((s) => canTransitionCall(t, s)),
      ]),
    );
    expect(allowed).toEqual({
      ring: ['initiated'],
      answer: ['initiated', 'ringing'],
      reject: ['initiated', 'ringing'],
      cancel: ['initiated', 'ringing'],
      timeout: ['initiated', 'ringing'],
      end: ['active'],
      fail: ['active'],
      mediaServerFail: ['active'],
    });
  });

  it('gives every finishing transition a final status and an end reason', () => {
    for (const [transition, reason] of Object.entries(END_REASON_OF)) {
      expect(FINAL_CALL_STATUSES).toContain(CALL_TRANSITIONS[transition as CallTransition].to);
      expect(reason).toBeTruthy();
    }
    expect(END_REASON_OF).toEqual({
      reject: 'rejected',
      cancel: 'cancelled',
      timeout: 'missed',
      end: 'ended-by-user',
      fail: 'connection-failed',
      mediaServerFail: 'media-server-failed',
    });
  });
});

describe('participant transition table', () => {
  it('only lets a ringing invitee decline or miss', () => {
    expect(PARTICIPANT_STATUSES.filter((s) => canTransitionParticipant('reject', s))).toEqual([
      'invited',
      'ringing',
    ]);
    expect(PARTICIPANT_STATUSES.filter((s) => canTransitionParticipant('miss', s))).toEqual([
      'invited',
      'ringing',
    ]);
  });

  it('only lets a joined participant leave, and anyone rejoin', () => {
    expect(PARTICIPANT_STATUSES.filter((s) => canTransitionParticipant('leave', s))).toEqual(['joined']);
    expect(PARTICIPANT_STATUSES.filter((s) => canTransitionParticipant('join', s))).toEqual([
      ...PARTICIPANT_STATUSES,
    ]);
    expect(PARTICIPANT_TRANSITIONS.ring.from).toEqual(['invited']);
  });
});

describe('transitionOnLeave', () => {
  it('cancels a ringing call when the caller hangs up', () => {
    expect(transitionOnLeave({ status: 'ringing', isGroup: false }, 0, 'hang-up')).toBe('cancel');
    expect(transitionOnLeave({ status: 'initiated', isGroup: true }, 0, 'dropped')).toBe('cancel');
  });

  it('ends a 1:1 call on hang-up and fails it when the peer dropped for good', () => {
    expect(transitionOnLeave({ status: 'active', isGroup: false }, 1, 'hang-up')).toBe('end');
    expect(transitionOnLeave({ status: 'active', isGroup: false }, 1, 'dropped')).toBe('fail');
  });

  it('keeps a group call going until its last participant leaves', () => {
    expect(transitionOnLeave({ status: 'active', isGroup: true }, 2, 'hang-up')).toBeNull();
    expect(transitionOnLeave({ status: 'active', isGroup: true }, 0, 'hang-up')).toBe('end');
    expect(transitionOnLeave({ status: 'active', isGroup: true }, 0, 'dropped')).toBe('fail');
  });

  it('does nothing to a finished call', () => {
    expect(transitionOnLeave({ status: 'ended', isGroup: false }, 0, 'hang-up')).toBeNull();
  });
});

describe('transitionOnReject', () => {
  it('rejects a 1:1 call at once', () => {
    expect(transitionOnReject({ status: 'ringing', isGroup: false }, [{ status: 'rejected' }])).toBe(
      'reject',
    );
  });

  it('rejects a group call only when every invitee declined', () => {
    const call = { status: 'ringing' as const, isGroup: true };
    expect(transitionOnReject(call, [{ status: 'rejected' }, { status: 'ringing' }])).toBeNull();
    expect(transitionOnReject(call, [{ status: 'rejected' }, { status: 'rejected' }])).toBe('reject');
  });

  it('leaves an active group call alone', () => {
    expect(transitionOnReject({ status: 'active', isGroup: true }, [{ status: 'rejected' }])).toBeNull();
  });
});
