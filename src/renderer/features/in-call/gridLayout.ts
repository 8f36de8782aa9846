/**
 * Lays out N equally sized video tiles in a W x H stage: tries every column count and keeps the one that
 * gives the largest tiles at the given aspect ratio (what Meet / Jitsi tile views do). 1 peer fills the stage,
 * 2 sit side by side on a wide screen, 19 end up in a 5x4 grid on a 16:9 window.
 */
export interface GridLayout {
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
}

/** Space between tiles, in px. */
export const GRID_GAP = 12;

export function computeGrid(
  count: number,
  width: number,
  height: number,
  gap = GRID_GAP,
  aspect = 16 / 9,
): GridLayout {
  if (count <= 0) return { columns: 0, rows: 0, tileWidth: 0, tileHeight: 0 };
  let best: GridLayout = { columns: 1, rows: count, tileWidth: 0, tileHeight: 0 };
  for (let columns = 1; columns <= count; columns++) {
    const rows = Math.ceil(count / columns);
    const widthLimited = (width - gap * (columns - 1)) / columns;
    const heightLimited = ((height - gap * (rows - 1)) / rows) * aspect;
    const tileWidth = Math.floor(Math.max(0, Math.min(widthLimited, heightLimited)));
    if (tileWidth > best.tileWidth) {
      best = { columns, rows, tileWidth, tileHeight: Math.floor(tileWidth / aspect) };
    }
  }
  return best;
}

/**
 * At most this many tiles (my own preview included) share the grid. Past nine the tiles get too small to
 * recognise anyone on a laptop, and every extra video costs the receiver downlink and decoding: the rest of a
 * big call waits in the avatar strip, without video, until they speak.
 */
export const MAX_GRID_TILES = 9;
/** Narrower than this a tile stops being worth its video: a small window shows fewer tiles instead. */
export const MIN_TILE_WIDTH = 200;
/** Height of the "+N more" avatar strip under the grid, in px (must match .offstage in groupCall.css). */
export const STRIP_HEIGHT = 56;
/** Spotlight: the thumbnails' height bounds, in px; between them it follows the stage's height. */
export const MIN_THUMB_HEIGHT = 72;
export const MAX_THUMB_HEIGHT = 120;

/**
 * How many tiles a W x H stage holds while each stays at least `minTileWidth` wide: `max` on a normal
 * window, fewer on a small one, never less than one. An unmeasured stage (0 x 0, the first render) gets
 * `max`, so the first measurement does not shuffle everyone out of the grid and back.
 */
export function gridCapacity(
  width: number,
  height: number,
  max = MAX_GRID_TILES,
  minTileWidth = MIN_TILE_WIDTH,
  gap = GRID_GAP,
): number {
  if (width <= 0 || height <= 0) return max;
  for (let count = max; count > 1; count--) {
    if (computeGrid(count, width, height, gap).tileWidth >= minTileWidth) return count;
  }
  return 1;
}

export interface Size {
  width: number;
  height: number;
}

export interface StagePlan {
  /** Remote participants that get a video tile, a spotlighted one included. */
  remoteSlots: number;
  /** Someone did not fit: the avatar strip (STRIP_HEIGHT) sits under the tiles. */
  overflow: boolean;
  /** Grid mode: the grid of equal tiles. Spotlight mode: the row of thumbnails under the big tile. */
  grid: GridLayout;
  /** Spotlight mode: the big tile (0 x 0 in grid mode). */
  main: Size;
}

/** The largest 16:9 box inside W x H. */
function fit(width: number, height: number, aspect = 16 / 9): Size {
  const w = Math.floor(Math.max(0, Math.min(width, height * aspect)));
  return { width: w, height: Math.floor(w / aspect) };
}

/**
 * How the stage is split between tiles: in grid mode everyone (me included when `selfInGrid`) gets an
 * equal tile up to gridCapacity, the rest go to the strip. In spotlight mode one remote participant gets a
 * big tile and the others (and I) a row of thumbnails under it, as many as fit the width.
 */
export function planStage(input: {
  remoteCount: number;
  selfInGrid: boolean;
  spotlight: boolean;
  width: number;
  height: number;
  gap?: number;
}): StagePlan {
  const { remoteCount, width, height, gap = GRID_GAP } = input;
  const self = input.selfInGrid ? 1 : 0;
  const stripSpace = STRIP_HEIGHT + gap;

  if (input.spotlight && remoteCount >= 1) {
    const thumbHeight = Math.round(Math.min(MAX_THUMB_HEIGHT, Math.max(MIN_THUMB_HEIGHT, height * 0.18)));
    const thumbWidth = Math.round((thumbHeight * 16) / 9);
    const thumbCount = remoteCount - 1 + self;
    // Unmeasured: assume everyone fits, as gridCapacity does.
    const perRow = width > 0 ? Math.max(1, Math.floor((width + gap) / (thumbWidth + gap))) : thumbCount;
    const overflow = thumbCount > perRow;
    const thumbs = Math.min(thumbCount, perRow);
    const remoteThumbs = Math.max(0, thumbs - self);
    const thumbRow = thumbs > 0 ? thumbHeight + gap : 0;
    return {
      remoteSlots: 1 + remoteThumbs,
      overflow,
      grid: {
        columns: thumbs,
        rows: thumbs > 0 ? 1 : 0,
        tileWidth: thumbs > 0 ? thumbWidth : 0,
        tileHeight: thumbs > 0 ? thumbHeight : 0,
      },
      main: fit(width, height - thumbRow - (overflow ? stripSpace : 0)),
    };
  }

  const none: Size = { width: 0, height: 0 };
  if (remoteCount + self <= gridCapacity(width, height, MAX_GRID_TILES, MIN_TILE_WIDTH, gap)) {
    return {
      remoteSlots: remoteCount,
      overflow: false,
      grid: computeGrid(remoteCount + self, width, height, gap),
      main: none,
    };
  }
  const gridHeight = Math.max(0, height - stripSpace);
  const capacity = gridCapacity(width, gridHeight, MAX_GRID_TILES, MIN_TILE_WIDTH, gap);
  // Always at least one remote tile: a tiny window still shows whoever speaks.
  const remoteSlots = Math.max(1, capacity - self);
  return {
    remoteSlots,
    overflow: true,
    grid: computeGrid(remoteSlots + self, width, gridHeight, gap),
    main: none,
  };
}
