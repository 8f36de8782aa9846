import type { CallEngine } from '../callEngine.ts';
import type { PeerState } from '../types.ts';

/** Resolves when the engine next reports `wanted` for the participant. */
export function nextPeerState(engine: CallEngine, userId: string, wanted: PeerState): Promise<void> {
  return new Promise((resolve) => {
    const off = engine.on('peer-state', (id, state) => {
      if (id === userId && state === wanted) {
        off();
        resolve();
      }
    });
  });
}
