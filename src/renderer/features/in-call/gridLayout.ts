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
