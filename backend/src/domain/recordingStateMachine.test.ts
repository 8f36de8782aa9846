import { describe, expect, it } from 'vitest';
import { RecordingState } from '../../../src/shared/protocol.ts';
import {
  canApply,
  mayControlRecording,
  mayStopRecording,
  RECORDING_TRANSITIONS,
  type RecordingTransition,
} from './recordingStateMachine.ts';

const TRANSITIONS = Object.keys(RECORDING_TRANSITIONS) as RecordingTransition[];

describe('recording state machine', () => {
  it('starts from never recorded or stopped, and again after a stop', () => {
    expect(canApply('start', null)).toBe(true);
    expect(canApply('start', 'stopped')).toBe(true);
    expect(canApply('start', 'recording')).toBe(false);
    expect(canApply('stop', 'recording')).toBe(true);
    expect(canApply('stop', 'stopped')).toBe(false);
    expect(canApply('stop', null)).toBe(false);
  });

  it('a server interruption (disk full, Janus died) only stops a running recording', () => {
    expect(canApply('interrupt', 'recording')).toBe(true);
    for (const state of RecordingState.options.filter((s) => s !== 'recording')) {
      expect(canApply('interrupt', state), state).toBe(false);
    }
  });

  it('once processing, nothing but its outcome applies; expired is final', () => {
    expect(TRANSITIONS.filter((t) => canApply(t, 'processing')).sort()).toEqual([
      'processFailed',
      'processed',
    ]);
    expect(TRANSITIONS.filter((t) => canApply(t, 'expired'))).toEqual([]);
    expect(canApply('expire', 'ready')).toBe(true);
    expect(canApply('expire', 'failed')).toBe(true);
    expect(canApply('start', 'ready')).toBe(false);
  });

  it('every transition lands in a state clients know', () => {
    for (const t of TRANSITIONS)
      expect(RecordingState.safeParse(RECORDING_TRANSITIONS[t].to).success).toBe(true);
  });

  it('lets only the initiator control it, while joined', () => {
    const call = { initiatedBy: 'alice' };
    expect(mayControlRecording(call, { userId: 'alice', status: 'joined' })).toBe(true);
    expect(mayControlRecording(call, { userId: 'alice', status: 'left' })).toBe(false);
    expect(mayControlRecording(call, { userId: 'bob', status: 'joined' })).toBe(false);
    expect(mayControlRecording(call, undefined)).toBe(false);
  });

  it('lets anyone still in the call stop it once the initiator has left, and nobody outside it', () => {
    const call = { initiatedBy: 'alice' };
    const bob = { userId: 'bob', status: 'joined' };
    const withHost = [{ userId: 'alice', status: 'joined' }, bob];
    const hostGone = [{ userId: 'alice', status: 'left' }, bob, { userId: 'carol', status: 'left' }];
    expect(mayStopRecording(call, bob, withHost)).toBe(false);
    expect(mayStopRecording(call, bob, hostGone)).toBe(true);
    expect(mayStopRecording(call, hostGone[2], hostGone)).toBe(false);
    expect(mayStopRecording(call, undefined, hostGone)).toBe(false);
  });
});
