/**
 * Every socket event by name, in both directions, as schemas: the server parses each client event with
 * `clientEvents[name].payload`, the client parses each server event with `serverEvents[name]` and the
 * acknowledgements it reads with `clientEvents[name].ack`. socket.io's typed event maps are derived from
 * them, so a name or a shape cannot exist on one side only.
 */
import type { z } from 'zod';
import { SocketAck } from '../errors.ts';
import {
  CallEndedEvent,
  CallIncomingEvent,
  CallRecordingEvent,
  ConversationCallEvent,
  HandledElsewhereEvent,
  HandPayload,
  HandsChangedEvent,
  MediaStateChangedEvent,
  ParticipantJoinedEvent,
  ParticipantLeftEvent,
  ParticipantReconnectedEvent,
  ParticipantRejectedEvent,
  ParticipantsMissedEvent,
  ReactionEvent,
  ReactionPayload,
} from './callEvents.ts';
import {
  CallTopologyEvent,
  SfuAnswerPayload,
  SfuIceCandidatePayload,
  SfuOfferEvent,
  SfuPublishAck,
  SfuPublishPayload,
  SfuViewPayload,
} from './sfu.ts';
import {
  AnswerEvent,
  AnswerPayload,
  IceCandidateEvent,
  IceCandidatePayload,
  OfferEvent,
  OfferPayload,
  QualityReportPayload,
} from './signaling.ts';

/** Every client -> server event may take an acknowledgement callback; the server always answers it. */
export const clientEvents = {
  'call:offer': { payload: OfferPayload, ack: SocketAck },
  'call:answer': { payload: AnswerPayload, ack: SocketAck },
  'call:ice-candidate': { payload: IceCandidatePayload, ack: SocketAck },
  'call:quality-report': { payload: QualityReportPayload, ack: SocketAck },
  'call:sfu-publish': { payload: SfuPublishPayload, ack: SfuPublishAck },
  'call:sfu-answer': { payload: SfuAnswerPayload, ack: SocketAck },
  'call:sfu-ice-candidate': { payload: SfuIceCandidatePayload, ack: SocketAck },
  'call:sfu-view': { payload: SfuViewPayload, ack: SocketAck },
  'call:hand': { payload: HandPayload, ack: SocketAck },
  'call:reaction': { payload: ReactionPayload, ack: SocketAck },
} as const;

export const serverEvents = {
  'call:incoming': CallIncomingEvent,
  'call:offer': OfferEvent,
  'call:answer': AnswerEvent,
  'call:ice-candidate': IceCandidateEvent,
  'call:ended': CallEndedEvent,
  'call:participant-joined': ParticipantJoinedEvent,
  'call:participant-left': ParticipantLeftEvent,
  'call:media-state-changed': MediaStateChangedEvent,
  'call:participant-rejected': ParticipantRejectedEvent,
  'call:participants-missed': ParticipantsMissedEvent,
  'call:handled-elsewhere': HandledElsewhereEvent,
  'call:participant-reconnected': ParticipantReconnectedEvent,
  'call:topology': CallTopologyEvent,
  'call:sfu-offer': SfuOfferEvent,
  'call:recording': CallRecordingEvent,
  'conversation:call': ConversationCallEvent,
  'call:hands': HandsChangedEvent,
  'call:reaction': ReactionEvent,
} as const;

export type ClientEventName = keyof typeof clientEvents;
export type ServerEventName = keyof typeof serverEvents;
/** What a client sends (before the server's parsing narrows or defaults anything). */
export type ClientEventPayload<K extends ClientEventName> = z.input<(typeof clientEvents)[K]['payload']>;
export type ClientEventAck<K extends ClientEventName> = z.infer<(typeof clientEvents)[K]['ack']>;
export type ServerEventPayload<K extends ServerEventName> = z.infer<(typeof serverEvents)[K]>;

type ClientEventHandlers = {
  [K in ClientEventName]: (payload: ClientEventPayload<K>, ack: (res: ClientEventAck<K>) => void) => void;
};
type ServerEventHandlers = { [K in ServerEventName]: (e: ServerEventPayload<K>) => void };
// Interfaces, as socket.io's typings take them: looked up by an event name that is still generic
// (`Parameters<ClientToServerEvents[K]>`), a mapped alias collapses to what every event has in common
// (`never` for the acknowledgements), an interface stays one lookup resolved per event.
/* eslint-disable @typescript-eslint/no-empty-object-type */
export interface ClientToServerEvents extends ClientEventHandlers {}
export interface ServerToClientEvents extends ServerEventHandlers {}
/* eslint-enable @typescript-eslint/no-empty-object-type */
