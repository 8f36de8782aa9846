/**
 * The call screen's layout in a real page with the app's stylesheet: the stage takes the room the header,
 * banners, hand queue and controls leave, also when the screen opens with a hand already raised (rejoining a
 * call where someone waits to speak). A stage laid out at 0 x 0 gives tiles of no size, and the view sent to
 * the media server then pauses every remote video (issue #14).
 */
import { createElement } from 'react';
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, expect, test } from 'vitest';
import '../../app/styles.css';
import { RuntimeContext } from '../../app/context.ts';
import { AppRuntime, type RuntimeOptions, type SessionServices } from '../../app/runtime.ts';
import { participantDto } from '../../store/testFixtures.ts';
import type { RemoteTileView } from '../../webrtc/types.ts';
import { InCallScreen } from './InCallScreen.tsx';
import { REPORT_DEBOUNCE_MS } from './tileMeasurer.ts';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const CALL_ID = '00000000-0000-4000-8000-0000000000c2';
const SELF_ID = '00000000-0000-4000-8000-000000000001';
const noEngine: RuntimeOptions['createEngine'] = () => {
  throw new Error('the layout test starts no call');
};

const idOf = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
const me = participantDto(SELF_ID, 'Carol', 'joined');
const others = [
  participantDto(idOf(2), 'Alice', 'joined'),
  participantDto(idOf(3), 'Bob', 'joined'),
  participantDto(idOf(4), 'Dave', 'joined'),
];

let runtime: AppRuntime;
let container: HTMLElement;
let root: Root;
let views: RemoteTileView[][];

beforeEach(() => {
  views = [];
  runtime = new AppRuntime({ createEngine: noEngine });
  // Only what the screen calls while it lays out: the view it reports for the media server.
  const services = {
    selfId: SELF_ID,
    calls: { setRemoteView: (view: RemoteTileView[]) => views.push(view) },
    floor: {},
  } as unknown as SessionServices;
  runtime.getServices = () => services;
  container = document.createElement('div');
  container.style.cssText = 'width: 1280px; height: 800px;';
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

/** Enters the group call on the media server, with Dave's hand up before the screen first renders. */
function openCallWithRaisedHand(): void {
  const state = runtime.store.getState();
  state.dispatchCall({ type: 'session-started', selfId: SELF_ID });
  state.dispatchCall({
    type: 'call-entered',
    snapshot: {
      callId: CALL_ID,
      conversationId: '00000000-0000-4000-8000-0000000000d1',
      type: 'video',
      initiatedBy: others[0]!.userId,
      startedAt: '2026-01-01T10:00:00.000Z',
      participants: [me, ...others],
    },
    direction: 'incoming',
    title: 'Late sync',
    phase: 'active',
    local: { audioEnabled: true, videoEnabled: true, screenSharing: false },
  });
  state.dispatchCall({ type: 'topology-changed', callId: CALL_ID, topology: 'sfu' });
  state.floorOpened(CALL_ID);
  state.handsChanged(CALL_ID, [others[2]!.userId]);
  act(() =>
    root.render(createElement(RuntimeContext.Provider, { value: runtime }, createElement(InCallScreen))),
  );
}

/** Waits until the screen reported a view in which everyone has a tile on screen, or gives up. */
async function settledView(): Promise<RemoteTileView[] | undefined> {
  for (let i = 0; i < 20; i++) {
    await act(() => new Promise((resolve) => setTimeout(resolve, REPORT_DEBOUNCE_MS)));
    const last = views.at(-1);
    if (last && last.length === others.length && last.every((tile) => tile.visible)) return last;
  }
  return views.at(-1);
}

test('opened with a hand already raised, the stage still gets the room and every tile is on screen', async () => {
  openCallWithRaisedHand();
  expect(container.querySelector('[data-testid="hand-queue-entry"]')?.textContent).toContain('Dave');

  const view = await settledView();
  expect(view?.map((tile) => [tile.userId, tile.visible])).toEqual(others.map((p) => [p.userId, true]));
  for (const tile of view ?? []) expect(tile.height).toBeGreaterThan(100);
  const stage = container.querySelector<HTMLElement>('.stage')!.getBoundingClientRect();
  const queue = container.querySelector<HTMLElement>('[data-testid="hand-queue"]')!.getBoundingClientRect();
  // The queue is one line above the stage, not the space the stage should have had.
  expect(queue.height).toBeLessThan(60);
  expect(stage.height).toBeGreaterThan(400);
});
