import { describe, expect, it } from 'vitest';
import type { Logger } from '../log.ts';
import { SharingIndicatorService, type SharingView } from './sharingIndicator.service.ts';

const log: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const MAIN = 1;
const OTHER = 2;

/** What the user sees: the indicator window, the tray's sharing state, and the stop requests sent. */
function world() {
  const seen = {
    indicator: null as SharingView | null,
    tray: null as SharingView | null,
    stopRequests: [] as number[],
  };
  const service = new SharingIndicatorService({
    indicator: { show: (view) => (seen.indicator = view), close: () => (seen.indicator = null) },
    tray: { setSharing: (view) => (seen.tray = view) },
    requestStop: (id) => seen.stopRequests.push(id),
    log,
  });
  return { service, seen };
}

describe('sharing indicator', () => {
  it('shows what is shared from the moment main grants the capture until the page reports it ended', () => {
    const { service, seen } = world();
    expect(seen.indicator).toBeNull();
    service.captureStarted(MAIN, 'Quarterly plan — Editor');
    expect(seen.indicator).toEqual({ label: 'Quarterly plan — Editor', stopping: false });
    expect(seen.tray).toEqual(seen.indicator);
    service.captureEnded(MAIN);
    expect(seen.indicator).toBeNull();
    expect(seen.tray).toBeNull();
  });

  it('Stop asks the owning page to end its share and says so until the page confirms', () => {
    const { service, seen } = world();
    service.captureStarted(MAIN, 'Entire screen');
    service.stop();
    expect(seen.stopRequests).toEqual([MAIN]);
    // Still capturing until the page says it stopped: the indicator must not lie.
    expect(seen.indicator).toEqual({ label: 'Entire screen', stopping: true });
    service.captureEnded(MAIN);
    expect(seen.indicator).toBeNull();
  });

  it('goes when the page that shares goes away, whatever it reported', () => {
    const { service, seen } = world();
    service.captureStarted(MAIN, 'Entire screen');
    service.captureStarted(MAIN, 'Terminal');
    expect(seen.indicator?.label).toBe('2 screens or windows');
    service.rendererGone(MAIN);
    expect(seen.indicator).toBeNull();
  });

  it('counts captures per page: one page’s report does not end another’s share', () => {
    const { service, seen } = world();
    service.captureStarted(MAIN, 'Entire screen');
    service.captureEnded(OTHER);
    service.rendererGone(OTHER);
    expect(seen.indicator?.label).toBe('Entire screen');
    service.captureStarted(MAIN, 'Terminal');
    service.captureEnded(MAIN);
    expect(seen.indicator?.label).toBe('Terminal');
  });

  it('shows a long or blank window title as one short line', () => {
    const { service, seen } = world();
    service.captureStarted(MAIN, `  ${'A very long title '.repeat(10)}\n`);
    expect(seen.indicator!.label.length).toBeLessThanOrEqual(80);
    expect(seen.indicator!.label).toMatch(/^A very long title .*…$/);
    service.rendererGone(MAIN);
    service.captureStarted(MAIN, '   ');
    expect(seen.indicator!.label).toBe('a window');
  });
});
