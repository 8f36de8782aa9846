import { describe, expect, it } from 'vitest';
import {
  computeGrid,
  GRID_GAP,
  gridCapacity,
  MAX_GRID_TILES,
  MIN_TILE_WIDTH,
  planStage,
  STRIP_HEIGHT,
} from './gridLayout.ts';

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

describe('gridCapacity', () => {
  it('shows at most MAX_GRID_TILES on a normal window', () => {
    expect(gridCapacity(1600, 800)).toBe(MAX_GRID_TILES);
    expect(gridCapacity(1232, 560)).toBe(MAX_GRID_TILES);
  });

  it('shows fewer, never narrower than MIN_TILE_WIDTH, on a small window, and at least one', () => {
    const small = gridCapacity(500, 300);
    expect(small).toBeLessThan(MAX_GRID_TILES);
    expect(small).toBeGreaterThanOrEqual(2);
    expect(computeGrid(small, 500, 300).tileWidth).toBeGreaterThanOrEqual(MIN_TILE_WIDTH);
    expect(computeGrid(small + 1, 500, 300).tileWidth).toBeLessThan(MIN_TILE_WIDTH);
    expect(gridCapacity(120, 80)).toBe(1);
  });

  it('assumes a full grid before the stage is measured', () => {
    expect(gridCapacity(0, 0)).toBe(MAX_GRID_TILES);
  });
});

describe('planStage', () => {
  const stage = { width: 1232, height: 560, selfInGrid: true, spotlight: false };

  it('gives everyone a tile while they fit', () => {
    const plan = planStage({ ...stage, remoteCount: 3 });
    expect(plan).toMatchObject({ remoteSlots: 3, overflow: false, grid: { columns: 2, rows: 2 } });
  });

  it('moves the rest of a 20-person call to the strip, which takes its height from the grid', () => {
    const plan = planStage({ ...stage, remoteCount: 19 });
    expect(plan.overflow).toBe(true);
    expect(plan.remoteSlots + 1).toBeLessThanOrEqual(MAX_GRID_TILES);
    expect(plan.remoteSlots).toBeGreaterThanOrEqual(1);
    const { grid } = plan;
    expect(grid.rows * grid.tileHeight + (grid.rows - 1) * GRID_GAP).toBeLessThanOrEqual(
      stage.height - STRIP_HEIGHT - GRID_GAP,
    );
    expect(grid.columns * grid.rows).toBeGreaterThanOrEqual(plan.remoteSlots + 1);
  });

  it('keeps at least one remote tile on a tiny window', () => {
    expect(planStage({ ...stage, width: 260, height: 200, remoteCount: 5 }).remoteSlots).toBe(1);
  });

  it('spotlight: one big tile and a row of thumbnails that fits under it', () => {
    const plan = planStage({ ...stage, spotlight: true, remoteCount: 3 });
    expect(plan).toMatchObject({ remoteSlots: 3, overflow: false, grid: { columns: 3, rows: 1 } });
    expect(plan.main.width).toBeGreaterThan(plan.grid.tileWidth * 3);
    expect(plan.main.height + GRID_GAP + plan.grid.tileHeight).toBeLessThanOrEqual(stage.height);
    expect(plan.main.width).toBeLessThanOrEqual(stage.width);
  });

  it('spotlight in a big call: as many thumbnails as the width holds, the rest in the strip', () => {
    const plan = planStage({ ...stage, spotlight: true, remoteCount: 19 });
    expect(plan.overflow).toBe(true);
    const { grid } = plan;
    expect(grid.columns * grid.tileWidth + (grid.columns - 1) * GRID_GAP).toBeLessThanOrEqual(stage.width);
    expect(plan.remoteSlots).toBe(1 + grid.columns - 1);
    expect(plan.main.height + GRID_GAP + grid.tileHeight + GRID_GAP + STRIP_HEIGHT).toBeLessThanOrEqual(
      stage.height,
    );
  });
});
