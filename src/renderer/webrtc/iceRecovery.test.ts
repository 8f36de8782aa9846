import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import {
  DISCONNECTED_GRACE_MS,
  FIRST_CONNECT_DEADLINE_MS,
  IceRecovery,
  MAX_ICE_RESTARTS,
  RESTART_DEADLINE_MS,
} from './iceRecovery.ts';
import type { PeerState } from './types.ts';

function setup() {
  const log: string[] = [];
  let lastState: PeerState | null = null;
  const restart = vi.fn(() => log.push('restart'));
  const recovery = new IceRecovery({
    restart,
    // Like PeerSession: repeats of the current state are dropped (the hook's contract allows them).
    state: (state: PeerState) => {
      if (state !== lastState) log.push(state);
      lastState = state;
    },
    error: (kind) => log.push(`error:${kind}`),
  });
  return { recovery, restart, log };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

test('connecting, then connected', () => {
  const { recovery, log } = setup();
  recovery.onIceConnectionState('checking');
  recovery.onIceConnectionState('connected');
  expect(log).toEqual(['connecting', 'connected']);
});

test('a short disconnection that heals within the grace period restarts nothing', () => {
  const { recovery, restart, log } = setup();
  recovery.onIceConnectionState('connected');
  recovery.onIceConnectionState('disconnected');
  vi.advanceTimersByTime(DISCONNECTED_GRACE_MS - 1);
  recovery.onIceConnectionState('connected');
  vi.advanceTimersByTime(DISCONNECTED_GRACE_MS);
  expect(restart).not.toHaveBeenCalled();
  expect(log).toEqual(['connected', 'reconnecting', 'connected']);
});

test('a disconnection that lasts past the grace period reports the loss and restarts ICE', () => {
  const { recovery, log } = setup();
  recovery.onIceConnectionState('connected');
  recovery.onIceConnectionState('disconnected');
  vi.advanceTimersByTime(DISCONNECTED_GRACE_MS);
  expect(log).toEqual(['connected', 'reconnecting', 'error:connection-lost', 'restart']);
});

test('failed restarts ICE at once, and gives up as ice-failed after the last attempt', () => {
  const { recovery, restart, log } = setup();
  recovery.onIceConnectionState('connected');
  for (let i = 0; i < MAX_ICE_RESTARTS + 2; i += 1) recovery.onIceConnectionState('failed');
  expect(restart).toHaveBeenCalledTimes(MAX_ICE_RESTARTS);
  expect(log.filter((e) => e.startsWith('error:'))).toEqual(['error:connection-lost', 'error:ice-failed']);
  expect(log.at(-2)).toBe('failed');
});

test('a connection that never connected fails as ice-failed after one restart, without claiming it was lost', () => {
  const { recovery, log } = setup();
  recovery.onIceConnectionState('checking');
  recovery.onIceConnectionState('failed');
  recovery.onIceConnectionState('failed');
  expect(log).toEqual(['connecting', 'restart', 'failed', 'error:ice-failed']);
});

test('a first attempt that sits in checking counts as failed: reported well within a 45 s ring', () => {
  const { recovery, restart, log } = setup();
  recovery.onIceConnectionState('checking');
  vi.advanceTimersByTime(FIRST_CONNECT_DEADLINE_MS);
  expect(restart).toHaveBeenCalledTimes(1);
  recovery.onIceConnectionState('checking');
  vi.advanceTimersByTime(RESTART_DEADLINE_MS);
  expect(log).toEqual(['connecting', 'restart', 'failed', 'error:ice-failed']);
  expect(FIRST_CONNECT_DEADLINE_MS + RESTART_DEADLINE_MS).toBeLessThan(45_000);
});

test('a first attempt that connects in time cancels its deadline', () => {
  const { recovery, restart } = setup();
  recovery.onIceConnectionState('checking');
  vi.advanceTimersByTime(FIRST_CONNECT_DEADLINE_MS - 1);
  recovery.onIceConnectionState('connected');
  vi.advanceTimersByTime(FIRST_CONNECT_DEADLINE_MS * 2);
  expect(restart).not.toHaveBeenCalled();
});

test('reconnecting resets the attempt budget', () => {
  const { recovery, restart } = setup();
  recovery.onIceConnectionState('connected');
  for (let round = 0; round < 3; round += 1) {
    for (let i = 0; i < MAX_ICE_RESTARTS; i += 1) recovery.onIceConnectionState('failed');
    recovery.onIceConnectionState('connected');
  }
  expect(restart).toHaveBeenCalledTimes(3 * MAX_ICE_RESTARTS);
});

test('a network change restarts at once, even a peer that was given up on', () => {
  const { recovery, restart } = setup();
  for (let i = 0; i <= MAX_ICE_RESTARTS; i += 1) recovery.onIceConnectionState('failed');
  restart.mockClear();
  recovery.onNetworkChange();
  expect(restart).toHaveBeenCalledTimes(1);
  recovery.onIceConnectionState('failed');
  expect(restart).toHaveBeenCalledTimes(2);
});

test('closing cancels a pending grace-period restart', () => {
  const { recovery, restart } = setup();
  recovery.onIceConnectionState('connected');
  recovery.onIceConnectionState('disconnected');
  recovery.onIceConnectionState('closed');
  vi.advanceTimersByTime(DISCONNECTED_GRACE_MS * 2);
  expect(restart).not.toHaveBeenCalled();
});

test('a restart that never connects counts as failed, so the peer ends as ice-failed instead of reconnecting forever', () => {
  const { recovery, restart, log } = setup();
  recovery.onIceConnectionState('connected');
  recovery.onIceConnectionState('disconnected');
  vi.advanceTimersByTime(DISCONNECTED_GRACE_MS);
  // Chromium stays in 'checking' after each restart (the TURN server is gone): no 'failed' ever comes.
  recovery.onIceConnectionState('checking');
  vi.advanceTimersByTime(RESTART_DEADLINE_MS * MAX_ICE_RESTARTS);
  expect(restart).toHaveBeenCalledTimes(MAX_ICE_RESTARTS);
  expect(log.at(-2)).toBe('failed');
  expect(log.at(-1)).toBe('error:ice-failed');
});

test('a restart that connects in time cancels its deadline', () => {
  const { recovery, restart } = setup();
  recovery.onIceConnectionState('connected');
  recovery.onIceConnectionState('failed');
  recovery.onIceConnectionState('connected');
  vi.advanceTimersByTime(RESTART_DEADLINE_MS * 2);
  expect(restart).toHaveBeenCalledTimes(1);
});
