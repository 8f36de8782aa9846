import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RemoteTileView } from '../../webrtc/types.ts';
import { REPORT_DEBOUNCE_MS, TileMeasurer } from './tileMeasurer.ts';

/**
 * Node has no layout, so a stand-in ResizeObserver lets the test play the browser: `resize` delivers what
 * the real one would after a layout change (and, as the real one does, a first entry right after observe()).
 */
class StageObserver {
  static current: StageObserver | null = null;
  readonly observed = new Set<Element>();
  readonly #callback: ResizeObserverCallback;
  constructor(callback: ResizeObserverCallback) {
    this.#callback = callback;
    StageObserver.current = this;
  }
  observe(element: Element) {
    this.observed.add(element);
  }
  unobserve(element: Element) {
    this.observed.delete(element);
  }
  disconnect() {
    this.observed.clear();
  }
  resize(element: Element, width: number, height: number) {
    if (!this.observed.has(element)) return;
    const entry = { target: element, contentRect: { width, height } } as unknown as ResizeObserverEntry;
    this.#callback([entry], this as unknown as ResizeObserver);
  }
}

const tile = () => ({}) as HTMLElement;
const people = [
  { userId: 'a', screenSharing: false },
  { userId: 'b', screenSharing: false },
];

describe('TileMeasurer', () => {
  let reports: RemoteTileView[][];
  let measurer: TileMeasurer;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('ResizeObserver', StageObserver);
    reports = [];
    measurer = new TileMeasurer((view) => reports.push(view));
  });

  afterEach(() => {
    measurer.stop();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('reports once the sizes settle, and only what changed', () => {
    const a = tile();
    const b = tile();
    measurer.refFor('a')(a);
    measurer.refFor('b')(b);
    measurer.setParticipants(people);
    measurer.start();
    const observer = StageObserver.current!;
    expect(observer.observed.size).toBe(2);

    // A window being dragged: many sizes in a row, one report after the last.
    for (let width = 300; width <= 400; width += 20) {
      observer.resize(a, width, (width * 9) / 16);
      observer.resize(b, width, (width * 9) / 16);
      vi.advanceTimersByTime(REPORT_DEBOUNCE_MS / 4);
    }
    expect(reports).toHaveLength(0);
    vi.advanceTimersByTime(REPORT_DEBOUNCE_MS);
    expect(reports).toEqual([
      [
        { userId: 'a', source: 'camera', visible: true, width: 400, height: 225 },
        { userId: 'b', source: 'camera', visible: true, width: 400, height: 225 },
      ],
    ]);

    // The same sizes again (a re-render, a spurious observation): nothing new to say.
    observer.resize(a, 400, 225.2);
    measurer.setParticipants(people.map((p) => ({ ...p })));
    vi.advanceTimersByTime(REPORT_DEBOUNCE_MS * 2);
    expect(reports).toHaveLength(1);
  });

  it('reports a tile that left the stage as invisible, and a sharer as its screen', () => {
    const a = tile();
    measurer.refFor('a')(a);
    measurer.setParticipants(people);
    measurer.start();
    StageObserver.current!.resize(a, 640, 360);
    vi.advanceTimersByTime(REPORT_DEBOUNCE_MS);
    expect(reports.at(-1)?.map((t) => t.visible)).toEqual([true, false]);

    measurer.refFor('a')(null);
    measurer.setParticipants([people[0]!, { userId: 'b', screenSharing: true }]);
    vi.advanceTimersByTime(REPORT_DEBOUNCE_MS);
    expect(reports.at(-1)).toEqual([
      { userId: 'a', source: 'camera', visible: false, width: 0, height: 0 },
      { userId: 'b', source: 'screen', visible: false, width: 0, height: 0 },
    ]);
    expect(StageObserver.current!.observed.size).toBe(0);
  });

  it('hands out one stable ref per user', () => {
    expect(measurer.refFor('a')).toBe(measurer.refFor('a'));
    expect(measurer.refFor('a')).not.toBe(measurer.refFor('b'));
  });

  it('reports afresh after a restart, and nothing while stopped', () => {
    const a = tile();
    measurer.refFor('a')(a);
    measurer.setParticipants(people.slice(0, 1));
    measurer.start();
    StageObserver.current!.resize(a, 640, 360);
    vi.advanceTimersByTime(REPORT_DEBOUNCE_MS);
    measurer.stop();
    measurer.setParticipants(people);
    vi.advanceTimersByTime(REPORT_DEBOUNCE_MS * 2);
    expect(reports).toHaveLength(1);

    measurer.start();
    StageObserver.current!.resize(a, 640, 360);
    vi.advanceTimersByTime(REPORT_DEBOUNCE_MS);
    expect(reports).toHaveLength(2);
    expect(reports[1]).toHaveLength(2);
  });
});
