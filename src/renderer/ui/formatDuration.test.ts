import { describe, expect, it } from 'vitest';
import { elapsedSeconds, formatDuration } from './formatDuration.ts';

describe('formatDuration', () => {
  it('shows mm:ss under an hour and h:mm:ss from then on', () => {
    expect(formatDuration(0)).toBe('00:00');
    expect(formatDuration(7)).toBe('00:07');
    expect(formatDuration(125)).toBe('02:05');
    expect(formatDuration(3599)).toBe('59:59');
    expect(formatDuration(3600)).toBe('1:00:00');
    expect(formatDuration(36_061)).toBe('10:01:01');
  });

  it('never shows a negative or fractional time', () => {
    expect(formatDuration(-3)).toBe('00:00');
    expect(formatDuration(59.9)).toBe('00:59');
  });
});

describe('elapsedSeconds', () => {
  it('counts from the server start time and tolerates a client clock slightly behind', () => {
    const start = '2025-01-10T14:30:00.000Z';
    expect(elapsedSeconds(start, Date.parse(start) + 61_500)).toBe(61);
    expect(elapsedSeconds(start, Date.parse(start) - 2_000)).toBe(0);
  });
});
