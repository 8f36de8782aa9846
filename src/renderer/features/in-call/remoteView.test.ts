import { describe, expect, it } from 'vitest';
import { buildRemoteView, sameRemoteView } from './remoteView.ts';

describe('buildRemoteView', () => {
  const people = [
    { userId: 'a', screenSharing: false },
    { userId: 'b', screenSharing: true },
    { userId: 'c', screenSharing: false },
  ];

  it('reports tiles on screen at their rounded size, everyone else invisible at 0 x 0', () => {
    const sizes = new Map([
      ['a', { width: 640.4, height: 359.6 }],
      ['b', { width: 1280, height: 720 }],
    ]);
    expect(buildRemoteView(people, sizes)).toEqual([
      { userId: 'a', source: 'camera', visible: true, width: 640, height: 360 },
      { userId: 'b', source: 'screen', visible: true, width: 1280, height: 720 },
      { userId: 'c', source: 'camera', visible: false, width: 0, height: 0 },
    ]);
  });

  it('counts a tile not laid out yet (0 wide) as invisible', () => {
    const view = buildRemoteView(people.slice(0, 1), new Map([['a', { width: 0, height: 200 }]]));
    expect(view).toEqual([{ userId: 'a', source: 'camera', visible: false, width: 0, height: 0 }]);
  });
});

describe('sameRemoteView', () => {
  const view = [{ userId: 'a', source: 'camera' as const, visible: true, width: 640, height: 360 }];

  it('tells equal views from changed ones', () => {
    expect(sameRemoteView(view, [{ ...view[0]! }])).toBe(true);
    expect(sameRemoteView(view, [{ ...view[0]!, width: 641 }])).toBe(false);
    expect(sameRemoteView(view, [{ ...view[0]!, source: 'screen' }])).toBe(false);
    expect(sameRemoteView(view, [])).toBe(false);
  });
});
