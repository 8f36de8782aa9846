import { describe, expect, it } from 'vitest';
import { computeGrid } from './gridLayout.ts';

describe('computeGrid', () => {
  it('gives a single peer the whole stage', () => {
    expect(computeGrid(1, 1600, 900, 0)).toEqual({ columns: 1, rows: 1, tileWidth: 1600, tileHeight: 900 });
  });

  it('puts two peers side by side on a wide window and above each other on a tall one', () => {
    expect(computeGrid(2, 1600, 600).columns).toBe(2);
    expect(computeGrid(2, 600, 1200).columns).toBe(1);
  });

  it('lays 19 peers (a full call) out as 5 x 4 on a 16:9 window', () => {
    expect(computeGrid(19, 1600, 900)).toMatchObject({ columns: 5, rows: 4 });
  });

  it('never lets the tiles overflow the stage, for every call size and common window shapes', () => {
    const gap = 12;
    for (const [width, height] of [
      [1280, 600],
      [800, 900],
      [1920, 950],
      [500, 300],
    ] as const) {
      for (let count = 1; count <= 19; count++) {
        const grid = computeGrid(count, width, height, gap);
        expect(grid.columns * grid.rows).toBeGreaterThanOrEqual(count);
        expect(grid.columns * grid.tileWidth + (grid.columns - 1) * gap).toBeLessThanOrEqual(width);
        expect(grid.rows * grid.tileHeight + (grid.rows - 1) * gap).toBeLessThanOrEqual(height);
      }
    }
  });

  it('yields no negative sizes before the stage is measured', () => {
    expect(computeGrid(3, 0, 0)).toMatchObject({ tileWidth: 0, tileHeight: 0 });
    expect(computeGrid(0, 800, 600)).toEqual({ columns: 0, rows: 0, tileWidth: 0, tileHeight: 0 });
  });
});
