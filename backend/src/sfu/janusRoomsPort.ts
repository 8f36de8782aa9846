/** The call service's SFU port on the real Janus pool and rooms. */
import type { SfuRoomsPort } from '../services/sfuRoomsPort.ts';
import type { JanusPool } from './janusPool.ts';
import type { JanusRooms } from './janusRooms.ts';

export function janusRoomsPort(pool: Pick<JanusPool, 'healthy'>, rooms: JanusRooms): SfuRoomsPort {
  return {
    healthy: () => pool.healthy(),
    create: (url, callId) => rooms.create(url, { callId }),
    destroy: (url, roomId) => rooms.destroy(url, roomId),
    setRecording: (url, roomId, recDir) => rooms.setRecording(url, roomId, recDir),
  };
}
