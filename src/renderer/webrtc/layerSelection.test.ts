import { describe, expect, it } from 'vitest';
import {
  downlinkBudgetKbps,
  INITIAL_DOWNLINK_BUDGET,
  nextDownlinkBudget,
  readDownlink,
  sampleFrom,
  selectLayers,
  totalKbps,
  UNCAPPED_FROM_KBPS,
} from './layerSelection.ts';
import type { DownlinkSample, LayerSelectionInput } from './layerSelection.ts';
import type { RemoteTileView } from './types.ts';

const tile = (userId: string, height: number, patch: Partial<RemoteTileView> = {}): RemoteTileView => ({
  userId,
  source: 'camera',
  visible: height > 0,
  width: Math.round((height * 16) / 9),
  height,
  ...patch,
});

const select = (tiles: RemoteTileView[], patch: Partial<LayerSelectionInput> = {}) =>
  Object.fromEntries(
    selectLayers({ tiles, activeSpeakerId: null, devicePixelRatio: 1, budgetKbps: null, ...patch }).map(
      (c) => [`${c.userId}/${c.source}`, c.layer],
    ),
  );

describe('selectLayers', () => {
  it('picks the layer a tile can show: hidden off, then by device pixel height', () => {
    expect(
      select([tile('a', 0, { visible: false }), tile('b', 120), tile('c', 200), tile('d', 400)]),
    ).toEqual({ 'a/camera': 'off', 'b/camera': 'low', 'c/camera': 'medium', 'd/camera': 'high' });
    // The same CSS tiles on a 2x screen have twice the pixels.
    expect(select([tile('b', 120), tile('c', 200)], { devicePixelRatio: 2 })).toEqual({
      'b/camera': 'medium',
      'c/camera': 'high',
    });
  });

  it('treats a tile marked visible but with no area as hidden', () => {
    expect(select([tile('a', 0, { visible: true, width: 0 })])).toEqual({ 'a/camera': 'off' });
  });

  it('gives a shared screen the high layer, however small its tile', () => {
    expect(select([tile('a', 90, { source: 'screen' }), tile('a', 90)])).toEqual({
      'a/screen': 'high',
      'a/camera': 'low',
    });
  });

  it('gives the active speaker at least medium, and high from a moderately large tile', () => {
    expect(select([tile('a', 90), tile('b', 90)], { activeSpeakerId: 'a' })).toEqual({
      'a/camera': 'medium',
      'b/camera': 'low',
    });
    expect(select([tile('a', 300), tile('b', 300)], { activeSpeakerId: 'a' })).toEqual({
      'a/camera': 'high',
      'b/camera': 'medium',
    });
    // A hidden speaker still receives nothing.
    expect(select([tile('a', 0, { visible: false })], { activeSpeakerId: 'a' })).toEqual({
      'a/camera': 'off',
    });
  });

  it('uses the largest tile when a stream is shown twice', () => {
    expect(select([tile('a', 100), tile('a', 500)])).toEqual({ 'a/camera': 'high' });
  });

  it('demotes the largest consumers first until the budget fits, never below low', () => {
    const tiles = [tile('a', 400), tile('b', 400), tile('c', 200)];
    // Wanted: 1200 + 1200 + 400 = 2800.
    expect(select(tiles, { budgetKbps: 2_000 })).toEqual({
      'a/camera': 'medium',
      'b/camera': 'high',
      'c/camera': 'medium',
    });
    expect(select(tiles, { budgetKbps: 1_000 })).toEqual({
      'a/camera': 'medium',
      'b/camera': 'medium',
      'c/camera': 'low',
    });
    // Nothing fits: every visible tile keeps the lowest layer rather than going dark.
    expect(select(tiles, { budgetKbps: 50 })).toEqual({
      'a/camera': 'low',
      'b/camera': 'low',
      'c/camera': 'low',
    });
  });

  it('among equal consumers keeps the speaker longest, and the screen after every camera', () => {
    const tiles = [tile('a', 400), tile('b', 400), tile('s', 400, { source: 'screen' })];
    // Wanted: 1200 + 1200 + 1500 = 3900; the speaker's camera survives one demotion more than b's.
    expect(select(tiles, { budgetKbps: 3_500, activeSpeakerId: 'a' })).toEqual({
      'a/camera': 'high',
      'b/camera': 'medium',
      's/screen': 'high',
    });
    // Cameras all at low (240) + screen high (1500) = 1740 > 1200: only now does the screen give way.
    expect(select(tiles, { budgetKbps: 1_200, activeSpeakerId: 'a' })).toEqual({
      'a/camera': 'low',
      'b/camera': 'low',
      's/screen': 'medium',
    });
  });

  it('leaves the choice alone when the budget is unknown or sufficient', () => {
    const tiles = [tile('a', 400), tile('b', 400)];
    const choices = selectLayers({ tiles, activeSpeakerId: null, devicePixelRatio: 1, budgetKbps: 2_400 });
    expect(totalKbps(choices)).toBe(2_400);
    expect(choices.every((c) => c.layer === 'high')).toBe(true);
  });
});

const lossy = (receivedKbps: number): DownlinkSample => ({
  availableIncomingKbps: null,
  receivedKbps,
  lossPct: 8,
});
const clean = (receivedKbps: number): DownlinkSample => ({
  availableIncomingKbps: null,
  receivedKbps,
  lossPct: 0,
});

describe('downlinkBudgetKbps', () => {
  it('is unknown (no cap) while nothing is lost', () => {
    expect(downlinkBudgetKbps([])).toBeNull();
    expect(downlinkBudgetKbps([clean(2_000), clean(2_500), clean(2_400)])).toBeNull();
  });

  it('cuts to 80 % of what arrives once loss above 5 % is sustained, not on a single lossy sample', () => {
    expect(downlinkBudgetKbps([clean(2_000), lossy(2_000)])).toBeNull();
    expect(downlinkBudgetKbps([lossy(2_000), lossy(2_000)])).toBe(1_600);
    // A lossy sample between clean ones is a blip, not congestion.
    expect(downlinkBudgetKbps([lossy(2_000), clean(2_000), lossy(2_000)])).toBeNull();
    // Continued loss keeps cutting, following what still arrives.
    expect(downlinkBudgetKbps([lossy(2_000), lossy(2_000), lossy(1_500), lossy(1_500)])).toBe(1_200);
  });

  it('holds the cap through moderate loss and raises it slowly after clean samples, then lifts it', () => {
    const cut = [lossy(1_000), lossy(1_000)];
    expect(downlinkBudgetKbps(cut)).toBe(800);
    const moderate = { availableIncomingKbps: null, receivedKbps: 800, lossPct: 3 };
    expect(downlinkBudgetKbps([...cut, moderate, moderate])).toBe(800);
    expect(downlinkBudgetKbps([...cut, ...Array(4).fill(clean(800))])).toBe(800);
    expect(downlinkBudgetKbps([...cut, ...Array(5).fill(clean(800))])).toBe(1_200);
    // A moderate sample restarts the clean streak.
    expect(downlinkBudgetKbps([...cut, ...Array(4).fill(clean(800)), moderate, clean(800)])).toBe(800);
    // Raised step by step until generous enough to need no cap at all.
    let state = nextDownlinkBudget(nextDownlinkBudget(INITIAL_DOWNLINK_BUDGET, lossy(1_000)), lossy(1_000));
    let steps = 0;
    while (state.budgetKbps !== null) {
      state = nextDownlinkBudget(state, clean(500));
      steps += 1;
      expect(steps).toBeLessThan(100);
    }
    expect(steps % 5).toBe(0);
    expect(UNCAPPED_FROM_KBPS).toBeGreaterThan(800);
  });

  it('ignores intervals where nothing was received', () => {
    const idle = { availableIncomingKbps: null, receivedKbps: 0, lossPct: null };
    expect(downlinkBudgetKbps([lossy(1_000), idle, lossy(1_000)])).toBe(800);
  });

  it('follows a reported incoming estimate, but only when it moves by more than a fifth', () => {
    const estimate = (kbps: number): DownlinkSample => ({
      availableIncomingKbps: kbps,
      receivedKbps: 500,
      lossPct: 0,
    });
    expect(downlinkBudgetKbps([estimate(2_000)])).toBe(2_000);
    expect(downlinkBudgetKbps([estimate(2_000), estimate(2_300)])).toBe(2_000);
    expect(downlinkBudgetKbps([estimate(2_000), estimate(1_500)])).toBe(1_500);
  });
});

describe('downlink measurement', () => {
  const report = (bytes: number, received: number, lost: number) => [
    { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
    { id: 'P', type: 'candidate-pair', nominated: true, state: 'succeeded' },
    { id: 'A', type: 'inbound-rtp', kind: 'audio', bytesReceived: bytes / 4, packetsReceived: received / 2 },
    {
      id: 'V',
      type: 'inbound-rtp',
      kind: 'video',
      bytesReceived: (bytes * 3) / 4,
      packetsReceived: received / 2,
      packetsLost: lost,
    },
  ];

  it('turns two reads into received bitrate and interval loss', () => {
    const first = readDownlink(report(0, 0, 0), 0);
    const second = readDownlink(report(375_000, 900, 100), 3_000);
    expect(sampleFrom(null, first.counters, null)).toBeNull();
    expect(sampleFrom(first.counters, second.counters, second.availableIncomingKbps)).toEqual({
      availableIncomingKbps: null,
      receivedKbps: 1_000,
      lossPct: 10,
    });
    // Counters that go backwards belong to a new connection.
    expect(sampleFrom(second.counters, first.counters, null)).toBeNull();
  });

  it('reads the estimate from the selected pair when the browser reports one', () => {
    const entries = report(0, 0, 0).map((e) =>
      e.id === 'P' ? { ...e, availableIncomingBitrate: 2_500_000 } : e,
    );
    expect(readDownlink(entries, 0).availableIncomingKbps).toBe(2_500);
  });
});
