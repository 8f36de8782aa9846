/**
 * What the screen shows of each remote participant, for the call controller: through the media server it
 * picks a simulcast layer per video from the tile's size, and pauses the video of anyone without a tile.
 */
import type { RemoteTileView } from '../../webrtc/types.ts';

export interface TileSize {
  width: number;
  height: number;
}

/**
 * One entry per remote participant: a tile on screen with a non-zero size is visible at its size (rounded
 * CSS px); everyone else (the avatar strip, a tile not laid out yet) is invisible at 0 x 0. A sharer's tile
 * shows their screen, so that is the stream its size is for.
 */
export function buildRemoteView(
  participants: readonly { userId: string; screenSharing: boolean }[],
  sizes: ReadonlyMap<string, TileSize>,
): RemoteTileView[] {
  return participants.map(({ userId, screenSharing }) => {
    const source = screenSharing ? ('screen' as const) : ('camera' as const);
    const size = sizes.get(userId);
    const width = Math.round(size?.width ?? 0);
    const height = Math.round(size?.height ?? 0);
    return width > 0 && height > 0
      ? { userId, source, visible: true, width, height }
      : { userId, source, visible: false, width: 0, height: 0 };
  });
}

export function sameRemoteView(a: readonly RemoteTileView[], b: readonly RemoteTileView[]): boolean {
  return (
    a.length === b.length &&
    a.every((tile, i) => {
      const other = b[i]!;
      return (
        tile.userId === other.userId &&
        tile.source === other.source &&
        tile.visible === other.visible &&
        tile.width === other.width &&
        tile.height === other.height
      );
    })
  );
}
