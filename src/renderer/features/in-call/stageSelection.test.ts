import { describe, expect, it } from 'vitest';
import {
  ENTER_AFTER_MS,
  initialStageSelection,
  MIN_SWAP_INTERVAL_MS,
  nextStageSelection,
  settleStage,
} from './stageSelection.ts';
import type { StageInput, StageSelection } from './stageSelection.ts';

const people = (n: number) => Array.from({ length: n }, (_, i) => `u${i + 1}`);

/** Drives the selection like the screen's clock does: one tick every `step` ms from `from` to `to`. */
function run(
  start: StageSelection,
  input: Omit<StageInput, 'now'>,
  from: number,
  to: number,
  step = 250,
): StageSelection {
  let selection = start;
  for (let now = from; now <= to; now += step) selection = nextStageSelection(selection, { ...input, now });
  return selection;
}

const T0 = 100_000;

describe('nextStageSelection', () => {
  it('shows everyone in the server order when they all fit, newcomers at the end', () => {
    const first = nextStageSelection(initialStageSelection, {
      participants: ['a', 'b', 'c'],
      activeSpeakerId: 'c',
      slots: 8,
      mustShow: [],
      now: T0,
    });
    expect(first.visible).toEqual(['a', 'b', 'c']);
    const next = nextStageSelection(first, {
      participants: ['d', 'a', 'b', 'c'],
      activeSpeakerId: null,
      slots: 8,
      mustShow: [],
      now: T0 + 250,
    });
    expect(next.visible).toEqual(['a', 'b', 'c', 'd']);
  });

  it('fills the stage in the server order when too many join at once (a speaker first)', () => {
    const selection = nextStageSelection(initialStageSelection, {
      participants: people(19),
      activeSpeakerId: null,
      slots: 8,
      mustShow: [],
      now: T0,
    });
    expect(selection.visible).toEqual(people(8));
    const speaking = nextStageSelection(initialStageSelection, {
      participants: people(19),
      activeSpeakerId: 'u12',
      slots: 3,
      mustShow: [],
      now: T0,
    });
    expect(speaking.visible).toEqual(['u12', 'u1', 'u2']);
  });

  it('brings an off-stage speaker in after a second of speech, in the place of the longest silent', () => {
    const base = { participants: people(12), slots: 4, mustShow: [] };
    // u2 spoke a while ago, so u1, u3 and u4 (never heard) are the ones to make room; u4, the last, goes.
    let s = run(initialStageSelection, { ...base, activeSpeakerId: null }, T0, T0);
    s = run(s, { ...base, activeSpeakerId: 'u2' }, T0 + 250, T0 + 3000);
    s = run(s, { ...base, activeSpeakerId: null }, T0 + 3250, T0 + 6000);
    expect(s.visible).toEqual(['u1', 'u2', 'u3', 'u4']);

    // A cough is not a turn: u9 active for less than ENTER_AFTER_MS stays off stage.
    s = run(s, { ...base, activeSpeakerId: 'u9' }, T0 + 6250, T0 + 6250 + ENTER_AFTER_MS - 250);
    expect(s.visible).toEqual(['u1', 'u2', 'u3', 'u4']);
    s = run(s, { ...base, activeSpeakerId: null }, T0 + 7500, T0 + 8000);

    s = run(s, { ...base, activeSpeakerId: 'u10' }, T0 + 8250, T0 + 8250 + ENTER_AFTER_MS - 250);
    expect(s.visible).toEqual(['u1', 'u2', 'u3', 'u4']);
    s = nextStageSelection(s, { ...base, activeSpeakerId: 'u10', now: T0 + 8250 + ENTER_AFTER_MS });
    expect(s.visible).toEqual(['u1', 'u2', 'u3', 'u10']);
  });

  it('swaps speakers in at most once per MIN_SWAP_INTERVAL_MS, and keeps the current speaker on stage', () => {
    const base = { participants: people(10), slots: 3, mustShow: [] };
    let s = run(initialStageSelection, { ...base, activeSpeakerId: null }, T0, T0 + 500);
    s = run(s, { ...base, activeSpeakerId: 'u7' }, T0 + 750, T0 + 2000);
    expect(s.visible).toContain('u7');
    const swappedAt = s.swappedAt;

    // u8 takes over right away and talks for 1.2 s: long enough to enter, but the last swap is too recent.
    s = run(s, { ...base, activeSpeakerId: 'u8' }, T0 + 2250, swappedAt + MIN_SWAP_INTERVAL_MS - 250);
    expect(s.visible).not.toContain('u8');
    s = nextStageSelection(s, { ...base, activeSpeakerId: 'u8', now: swappedAt + MIN_SWAP_INTERVAL_MS });
    expect(s.visible).toContain('u8');
    // u7 spoke more recently than the never-heard ones, so it kept its tile.
    expect(s.visible).toContain('u7');
  });

  it('never evicts the active speaker to make room for the next one', () => {
    const base = { participants: people(6), slots: 2, mustShow: [] };
    let s = run(initialStageSelection, { ...base, activeSpeakerId: 'u5' }, T0, T0 + 3000);
    s = run(s, { ...base, activeSpeakerId: 'u6' }, T0 + 3250, T0 + 6000);
    expect(s.visible.slice().sort()).toEqual(['u5', 'u6']);
    s = run(s, { ...base, activeSpeakerId: 'u1' }, T0 + 6250, T0 + 9000);
    // u5 spoke longest ago: u1 takes u5's place, u6 keeps its own.
    expect(s.visible.slice().sort()).toEqual(['u1', 'u6']);
  });

  it('shows a spotlighted participant at once, whatever the swap interval says', () => {
    const base = { participants: people(10), slots: 3, activeSpeakerId: null };
    let s = run(initialStageSelection, { ...base, mustShow: [] }, T0, T0 + 500);
    s = nextStageSelection(s, { ...base, mustShow: ['u9'], now: T0 + 750 });
    expect(s.visible).toContain('u9');
    expect(s.visible).toHaveLength(3);
    // It stays when the spotlight ends: nothing moves unless it must.
    const after = nextStageSelection(s, { ...base, mustShow: [], now: T0 + 1000 });
    expect(after.visible).toEqual(s.visible);
  });

  it("refills a leaver's place at once with the most recent off-stage speaker", () => {
    const base = { slots: 3, mustShow: [] };
    let s = run(initialStageSelection, { ...base, participants: people(6), activeSpeakerId: null }, T0, T0);
    // u5 speaks, but too briefly to come on stage.
    s = run(s, { ...base, participants: people(6), activeSpeakerId: 'u5' }, T0 + 250, T0 + 500);
    s = run(s, { ...base, participants: people(6), activeSpeakerId: null }, T0 + 750, T0 + 1000);
    expect(s.visible).toEqual(['u1', 'u2', 'u3']);
    s = nextStageSelection(s, {
      ...base,
      participants: ['u1', 'u3', 'u4', 'u5', 'u6'],
      activeSpeakerId: null,
      now: T0 + 1250,
    });
    expect(s.visible).toEqual(['u1', 'u3', 'u5']);
  });

  it('follows the window: fewer slots drop the longest silent, more slots take in the next ones', () => {
    const base = { participants: people(10), mustShow: [] };
    let s = run(initialStageSelection, { ...base, slots: 4, activeSpeakerId: 'u2' }, T0, T0 + 500);
    s = run(s, { ...base, slots: 4, activeSpeakerId: null }, T0 + 750, T0 + 1000);
    s = nextStageSelection(s, { ...base, slots: 2, activeSpeakerId: null, now: T0 + 1250 });
    expect(s.visible).toContain('u2');
    expect(s.visible).toHaveLength(2);
    s = nextStageSelection(s, { ...base, slots: 5, activeSpeakerId: null, now: T0 + 1500 });
    expect(s.visible).toHaveLength(5);
  });

  it('returns the same object on a tick where nothing changes (no re-render)', () => {
    const input = { participants: people(12), slots: 8, mustShow: [], activeSpeakerId: 'u1' };
    const s = run(initialStageSelection, input, T0, T0 + 1000);
    expect(nextStageSelection(s, { ...input, now: T0 + 1250 })).toBe(s);
  });

  it('ignores my own voice (the active speaker may be me)', () => {
    const input = { participants: people(12), slots: 8, mustShow: [], activeSpeakerId: 'me' };
    const s = run(initialStageSelection, input, T0, T0 + 5000);
    expect(s.speaker).toBeNull();
    expect(s.visible).toEqual(people(8));
  });
});

describe('settleStage', () => {
  it('keeps the order of who is already shown, without duplicates', () => {
    const visible = ['c', 'a'];
    expect(settleStage(visible, { participants: ['a', 'b', 'c'], slots: 5, mustShow: [] }, {})).toEqual([
      'c',
      'a',
      'b',
    ]);
    expect(settleStage(['a', 'a'], { participants: ['a', 'b', 'c'], slots: 2, mustShow: [] }, {})).toEqual([
      'a',
      'b',
    ]);
  });

  it('gives must-shows priority in their order when they alone exceed the slots', () => {
    const settled = settleStage(
      ['a', 'b'],
      { participants: ['a', 'b', 'c', 'd', 'e'], slots: 2, mustShow: ['e', 'd', 'c'] },
      {},
    );
    expect(settled.slice().sort()).toEqual(['d', 'e']);
  });

  it('gives those still being rung the tiles only while nobody in the call needs one', () => {
    const participants = ['a', 'b', 'c', 'd'];
    // Everyone is being rung: the first ones in the server order get the tiles.
    expect(settleStage([], { participants, slots: 2, mustShow: [], pending: participants }, {})).toEqual([
      'a',
      'b',
    ]);
    // d answered: d takes the place of the last one still ringing; the others do not move.
    expect(
      settleStage(['a', 'b'], { participants, slots: 2, mustShow: [], pending: ['a', 'b', 'c'] }, {}),
    ).toEqual(['a', 'd']);
    // Unless that one is spotlighted.
    expect(
      settleStage(['a', 'b'], { participants, slots: 2, mustShow: ['a', 'b'], pending: ['a', 'b', 'c'] }, {}),
    ).toEqual(['a', 'b']);
  });

  it('returns the same array when nothing changes', () => {
    const visible = ['a', 'b'];
    expect(settleStage(visible, { participants: ['a', 'b', 'c'], slots: 2, mustShow: [] }, {})).toBe(visible);
  });

  it('shows nobody with no slots', () => {
    expect(settleStage(['a'], { participants: ['a', 'b'], slots: 0, mustShow: ['a'] }, {})).toEqual([]);
  });
});
