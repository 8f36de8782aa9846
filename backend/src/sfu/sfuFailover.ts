/**
 * When a Janus instance dies, its calls move: each open call whose room was on it gets a new room on another
 * healthy instance (everyone hears `call:topology` reason 'sfu-failover' with the new epoch and publishes
 * and subscribes again), or ends as 'media-server-failed' when no instance is left.
 *
 * Every backend node sees the instance die and runs this; the call service's conditional move decides, so
 * the first node moves each call and the others find it already moved and do nothing.
 */
import type { Db } from '../db/db.ts';
import { findOpenCallsOnSfuInstance } from '../db/sfuPlacement.repo.ts';
import type { Logger } from '../logger.ts';
import type { CallService } from '../services/calls.service.ts';
import type { JanusPool } from './janusPool.ts';

export interface SfuFailover {
  /** Moves (or ends) every open call on `url`; resolves when each was tried. */
  failOver(url: string): Promise<void>;
  /** Stops listening to the pool and waits for a failover in progress. */
  stop(): Promise<void>;
}

export function startSfuFailover(deps: {
  db: Db;
  pool: Pick<JanusPool, 'onInstanceDown'>;
  calls: Pick<CallService, 'failOverSfuRoom'>;
  logger: Logger;
}): SfuFailover {
  const { logger } = deps;
  const running = new Set<Promise<void>>();

  async function failOver(url: string): Promise<void> {
    const affected = await findOpenCallsOnSfuInstance(deps.db, url);
    if (affected.length === 0) return;
    logger.warn({ janusUrl: url, calls: affected.length }, 'janus instance down: moving its calls');
    // One call at a time: each creates a room on the surviving instances, which must not be flooded.
    for (const call of affected) {
      try {
        const outcome = await deps.calls.failOverSfuRoom(call.id, call.sfuRoomId);
        if (outcome !== 'unchanged') logger.info({ callId: call.id, outcome }, 'sfu failover');
      } catch (err) {
        logger.error({ err, callId: call.id }, 'sfu failover failed');
      }
    }
  }

  const unsubscribe = deps.pool.onInstanceDown((url) => {
    const work = failOver(url).catch((err: unknown) =>
      logger.error({ err, janusUrl: url }, 'sfu failover failed'),
    );
    running.add(work);
    void work.finally(() => running.delete(work));
  });

  return {
    failOver,
    async stop() {
      unsubscribe();
      await Promise.allSettled([...running]);
    },
  };
}
