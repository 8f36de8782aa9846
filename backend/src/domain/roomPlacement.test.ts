import { describe, expect, it } from 'vitest';
import { pickInstance } from './roomPlacement.ts';

const A = 'ws://janus-a:8188';
const B = 'ws://janus-b:8188';
const C = 'wss://janus-c.example.com/janus';

describe('pickInstance', () => {
  it('has nowhere to go without a healthy instance', () => {
    expect(pickInstance([], new Map([[A, 0]]))).toBeNull();
  });

  it('picks the least loaded healthy instance', () => {
    expect(
      pickInstance(
        [A, B, C],
        new Map([
          [A, 12],
          [B, 3],
          [C, 7],
        ]),
      ),
    ).toBe(B);
  });

  it('counts an instance missing from the load map as empty', () => {
    expect(pickInstance([A, B], new Map([[A, 1]]))).toBe(B);
  });

  it('breaks ties by the order the instances are configured in', () => {
    expect(pickInstance([A, B, C], new Map())).toBe(A);
    expect(
      pickInstance(
        [B, C],
        new Map([
          [B, 4],
          [C, 4],
        ]),
      ),
    ).toBe(B);
  });

  it('ignores the load of instances that are not healthy', () => {
    expect(
      pickInstance(
        [B, C],
        new Map([
          [A, 0],
          [B, 9],
          [C, 5],
        ]),
      ),
    ).toBe(C);
  });
});
