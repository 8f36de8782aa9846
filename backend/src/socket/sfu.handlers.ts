/**
 * Client -> server socket events of group calls on the SFU: publish, the answer to a subscription offer,
 * ICE candidates of both connections, and the layers wanted per remote video. Validated, rate limited per
 * socket and event type, and accepted only from the device a joined participant is in the call on, for the
 * call's current SFU room (`epoch`); anything else is refused ('forbidden', or 'conflict' for another epoch).
 */
import type { ClientEventName } from '../../../src/shared/protocol/index.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { RateLimits } from '../rateLimits.ts';
import type { RelayDirectory } from '../services/relayDirectory.ts';
import { parseRoomRef, type SfuRoomRef } from '../domain/sfuRoomRef.ts';
import type { SfuParticipant, SfuSessions } from '../sfu/sfuSessions.ts';
import type { SignalingSocket } from './socketTypes.ts';
import { onValidatedEvent, type ParsedPayload } from './validatedEvent.ts';

export interface SfuHandlerDeps {
  sessions: SfuSessions;
  relayDirectory: RelayDirectory;
  /** The call's status and SFU room now, from the database (null: no such call). */
  loadCall(callId: string): Promise<{ open: boolean; sfuRoomId: string | null } | null>;
  rateLimits: RateLimits;
  logger: Logger;
}

export function registerSfuHandlers(socket: SignalingSocket, deps: SfuHandlerDeps): void {
  const { userId, deviceId } = socket.data;

  const handle = <K extends ClientEventName>(
    event: K,
    run: (payload: ParsedPayload<K>) => Promise<Record<string, unknown> | void>,
  ) => onValidatedEvent(socket, deps, event, run);

  /**
   * The sender as a participant of the call; throws unless this device is the one they joined on. `fresh`
   * reads past the cache, whose entry may predate a leave and rejoin this node has not heard of yet.
   */
  async function participantOf(callId: string, fresh = false): Promise<SfuParticipant> {
    let participants = await deps.relayDirectory.participants(callId, fresh);
    // Never refuse on a cached answer: it may predate the join this message follows.
    if (!fresh && participants.get(userId)?.joined !== true) {
      participants = await deps.relayDirectory.participants(callId, true);
    }
    const me = participants.get(userId);
    if (me?.joined !== true) throw new AppError('forbidden', 'you are not in this call', 'callId');
    if (me.deviceId !== null && me.deviceId !== deviceId) {
      throw new AppError('forbidden', 'this device is not in the call', 'callId');
    }
    return { callId, userId, deviceId, stay: me.stay };
  }

  /** The call's current room, which `epoch` must name. */
  async function currentRoom(callId: string, epoch: number): Promise<SfuRoomRef> {
    const call = await deps.loadCall(callId);
    if (call === null) throw new AppError('not_found', 'call not found', 'callId');
    if (!call.open) throw new AppError('conflict', 'the call is over', 'callId');
    const room = parseRoomRef(call.sfuRoomId);
    if (room === null) throw new AppError('conflict', 'the call is not on the media server', 'callId');
    if (room.roomId !== epoch) {
      throw new AppError('conflict', 'the call moved to another media server room (stale epoch)', 'epoch');
    }
    return room;
  }

  /** Messages for an existing session: its epoch is checked there; without one the database says why. */
  async function requireSession(participant: SfuParticipant, epoch: number): Promise<void> {
    if (deps.sessions.epochOf(participant) === epoch) return;
    await currentRoom(participant.callId, epoch);
    throw new AppError('conflict', 'publish to the media server first');
  }

  handle('call:sfu-publish', async ({ callId, epoch, offer, sources }) => {
    // The session opened or renegotiated here is for the sender's current stay, which only a fresh read tells.
    const participant = await participantOf(callId, true);
    const room = await currentRoom(callId, epoch);
    const answer = await deps.sessions.publish(participant, room, offer, sources);
    return { answer };
  });

  handle('call:sfu-answer', async ({ callId, epoch, answer }) => {
    const participant = await participantOf(callId);
    await requireSession(participant, epoch);
    await deps.sessions.answer(participant, epoch, answer);
  });

  handle('call:sfu-ice-candidate', async ({ callId, epoch, connection, candidate }) => {
    const participant = await participantOf(callId);
    if (await deps.sessions.trickle(participant, epoch, connection, candidate)) return;
    // No session for this epoch here yet: a publisher candidate that overtook its publish is kept for it.
    await currentRoom(callId, epoch);
    if (connection === 'subscriber') throw new AppError('conflict', 'publish to the media server first');
    deps.sessions.bufferCandidate(participant, epoch, candidate);
  });

  handle('call:sfu-view', async ({ callId, epoch, streams }) => {
    const participant = await participantOf(callId);
    await requireSession(participant, epoch);
    deps.sessions.view(participant, epoch, streams);
  });
}
