/** The backend's periodic work: call timeouts and graces, TURN credential cleanup, device liveness, recordings. */
import type { Config } from '../config.ts';
import type { Db } from '../db/db.ts';
import { cleanupExpiredTurnCredentials } from '../db/turnCredentials.repo.ts';
import type { Logger } from '../logger.ts';
import type { CallService } from '../services/calls.service.ts';
import { createDeviceLivenessSweep, type ConnectedDevicesProbe } from '../services/deviceLiveness.service.ts';
import type { RecordingService } from '../services/recording.service.ts';
import { startSweeper } from '../sweeper.ts';

const TURN_CLEANUP_INTERVAL_MS = 60_000;

export function startSweepers(deps: {
  config: Pick<Config, 'sweepIntervalMs' | 'deviceLivenessIntervalMs'>;
  db: Db;
  calls: Pick<CallService, 'sweep'>;
  recordings: Pick<RecordingService, 'sweep'> | null;
  /** Null on a single node, which re-arms every grace at start-up instead (see server.ts). */
  connectedDevices: ConnectedDevicesProbe | null;
  logger: Logger;
}): { stop(): Promise<void> } {
  const { config, db, calls, recordings, connectedDevices, logger } = deps;
  const sweeper = startSweeper(
    config.sweepIntervalMs,
    [
      { name: 'calls', everyMs: 0, run: () => calls.sweep() },
      {
        name: 'turn-credentials',
        everyMs: TURN_CLEANUP_INTERVAL_MS,
        run: () => cleanupExpiredTurnCredentials(db),
      },
    ],
    logger,
  );
  // Its own sweeper: a round can wait seconds for a silent node, and must not hold up ring timeouts and
  // graces meanwhile. Only with several nodes.
  const livenessSweeper =
    connectedDevices === null
      ? null
      : startSweeper(
          config.deviceLivenessIntervalMs,
          [
            {
              name: 'device-liveness',
              everyMs: 0,
              run: createDeviceLivenessSweep(db, connectedDevices, logger),
            },
          ],
          logger,
        );
  // Its own sweeper too: post-processing a recording takes seconds to minutes.
  const recordingSweeper =
    recordings === null
      ? null
      : startSweeper(
          config.sweepIntervalMs,
          [{ name: 'recordings', everyMs: 0, run: () => recordings.sweep() }],
          logger,
        );
  return {
    async stop() {
      await Promise.all([sweeper.stop(), livenessSweeper?.stop(), recordingSweeper?.stop()]);
    },
  };
}
