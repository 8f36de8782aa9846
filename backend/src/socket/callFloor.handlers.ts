/** Extra: `call:hand` and `call:reaction`, validated and rate limited like every client event. */
import type { Logger } from '../logger.ts';
import type { RateLimits } from '../rateLimits.ts';
import type { CallFloorService } from '../services/callFloor.service.ts';
import type { SignalingSocket } from './socketTypes.ts';
import { onValidatedEvent } from './validatedEvent.ts';

export interface CallFloorHandlerDeps {
  floor: CallFloorService;
  rateLimits: RateLimits;
  logger: Logger;
}

export function registerCallFloorHandlers(socket: SignalingSocket, deps: CallFloorHandlerDeps): void {
  const { userId, deviceId } = socket.data;
  onValidatedEvent(socket, deps, 'call:hand', (payload) => deps.floor.setHand(userId, deviceId, payload));
  onValidatedEvent(socket, deps, 'call:reaction', (payload) => deps.floor.react(userId, deviceId, payload));
}
