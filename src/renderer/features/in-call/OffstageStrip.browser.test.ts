/**
 * The offstage strip in a real page: someone off the stage who raises a hand shows it, with their place in
 * the queue, as a stage tile does; lowering it takes the badge away.
 */
import { createElement } from 'react';
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { RuntimeContext } from '../../app/context.ts';
import { AppRuntime, type RuntimeOptions } from '../../app/runtime.ts';
import type { CallMember } from '../../store/callMembers.ts';
import { OffstageStrip } from './OffstageStrip.tsx';

// React's act() only flushes updates synchronously where the environment says it is a test.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const CALL_ID = '00000000-0000-4000-8000-0000000000c1';
const noEngine: RuntimeOptions['createEngine'] = () => {
  throw new Error('the strip never starts a call');
};

const person = (n: number, name: string): CallMember => ({
  userId: `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`,
  name,
  identifier: name.toLowerCase(),
  isSelf: false,
  status: 'joined',
  mediaState: { audioEnabled: true, videoEnabled: false, screenSharing: false },
  connection: 'connected',
  quality: null,
  problem: null,
});
const dana = person(4, 'Dana');
const erin = person(5, 'Erin');

let runtime: AppRuntime;
let container: HTMLElement;
let root: Root;

beforeEach(() => {
  runtime = new AppRuntime({ createEngine: noEngine });
  runtime.store.getState().floorOpened(CALL_ID);
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  act(() =>
    root.render(
      createElement(
        RuntimeContext.Provider,
        { value: runtime },
        createElement(OffstageStrip, {
          participants: [dana, erin],
          activeSpeakerId: null,
          sinkId: null,
          soundEpoch: 0,
          onSoundBlocked: () => {},
          onSpotlight: () => {},
        }),
      ),
    ),
  );
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

const badgeOf = (userId: string) =>
  container.querySelector<HTMLElement>(
    `[data-testid="offstage-participant"][data-user-id="${userId}"] [data-testid="offstage-hand"]`,
  );

test('an offstage participant with a raised hand shows it with their place in the queue', () => {
  expect(badgeOf(dana.userId)).toBeNull();
  // Someone on the stage raised first, so Erin is second in line and Dana third.
  act(() =>
    runtime.store
      .getState()
      .handsChanged(CALL_ID, ['00000000-0000-4000-8000-000000000001', erin.userId, dana.userId]),
  );
  expect(badgeOf(erin.userId)?.textContent).toBe('✋ 2');
  expect(badgeOf(erin.userId)?.title).toBe('Hand raised (2 in line)');
  expect(badgeOf(dana.userId)?.textContent).toBe('✋ 3');
  // The badge is drawn, not merely present in the DOM.
  expect(badgeOf(dana.userId)?.getBoundingClientRect().width).toBeGreaterThan(0);
});

test('a lowered hand leaves the strip and the others move up the queue', () => {
  act(() => runtime.store.getState().handsChanged(CALL_ID, [erin.userId, dana.userId]));
  act(() => runtime.store.getState().handsChanged(CALL_ID, [dana.userId]));
  expect(badgeOf(erin.userId)).toBeNull();
  expect(badgeOf(dana.userId)?.textContent).toBe('✋ 1');
});
