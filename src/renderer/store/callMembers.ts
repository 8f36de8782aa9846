/**
 * Who is in a call, kept once: every member (me included, flagged) keyed by user id, with the server's order
 * beside it. The features and the call layer ask the selectors below ("the others", "this member", "how many")
 * instead of filtering a list of their own, so "participant" means the same thing everywhere.
 */
import type {
  MediaState,
  ParticipantDto,
  ParticipantStatus,
  PeerQualitySample,
} from '../../shared/protocol/index.ts';

export type PeerConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

export interface CallMember {
  userId: string;
  /** The display name (the wire's `userName`). */
  name: string;
  identifier: string;
  /** This member is the signed-in user; their media is `CurrentCall.local`, not a peer connection. */
  isSelf: boolean;
  status: ParticipantStatus;
  mediaState: MediaState;
  connection: PeerConnectionState | null;
  quality: PeerQualitySample | null;
  /** Why media to this peer does not flow (ICE failed, connection lost), shown on the tile. */
  problem: string | null;
}

export interface MemberMap {
  /** User ids in the server's order (an object's key order is not one to rely on). */
  readonly order: readonly string[];
  readonly byId: Readonly<Record<string, CallMember>>;
}

/** Anything that holds a member map: the call on screen or the call ringing here. */
export interface WithMembers {
  readonly members: MemberMap;
}

export function memberFromDto(p: ParticipantDto, selfId: string | null): CallMember {
  return {
    userId: p.userId,
    name: p.userName,
    identifier: p.userIdentifier,
    isSelf: p.userId === selfId,
    status: p.status,
    mediaState: p.mediaState,
    connection: null,
    quality: null,
    problem: null,
  };
}

export function memberMapOf(members: readonly CallMember[]): MemberMap {
  return {
    order: members.map((m) => m.userId),
    byId: Object.fromEntries(members.map((m) => [m.userId, m])),
  };
}

/** Adds `member` at the end, or replaces the one with its id in place. */
export function withMember(map: MemberMap, member: CallMember): MemberMap {
  const known = member.userId in map.byId;
  return {
    order: known ? map.order : [...map.order, member.userId],
    byId: { ...map.byId, [member.userId]: member },
  };
}

/** The same map when `userId` is no member (an event about someone unknown changes nothing). */
export function updateMember(
  map: MemberMap,
  userId: string,
  update: (m: CallMember) => CallMember,
): MemberMap {
  const member = map.byId[userId];
  return member ? withMember(map, update(member)) : map;
}

export function updateMembers(
  map: MemberMap,
  userIds: readonly string[],
  update: (m: CallMember) => CallMember,
): MemberMap {
  return userIds.reduce((next, userId) => updateMember(next, userId, update), map);
}

/** Everyone but me, in the server's order. */
export function othersOf({ members }: WithMembers): CallMember[] {
  return members.order.flatMap((id) => {
    const m = members.byId[id];
    return m && !m.isSelf ? [m] : [];
  });
}

export function memberOf({ members }: WithMembers, userId: string): CallMember | undefined {
  return members.byId[userId];
}

/** Everyone, me included. */
export function memberCount({ members }: WithMembers): number {
  return members.order.length;
}

export function otherCount(holder: WithMembers): number {
  return othersOf(holder).length;
}

/** The name a notice uses for a member; 'Someone' for a user the call does not know. */
export function nameOf(holder: WithMembers, userId: string): string {
  return memberOf(holder, userId)?.name ?? 'Someone';
}

/** The others that get a tile (the stage and the offstage strip choose among them): in the call, or being rung. */
export function visibleOthers(holder: WithMembers): CallMember[] {
  return othersOf(holder).filter(
    (p) => p.status === 'joined' || p.status === 'invited' || p.status === 'ringing',
  );
}

/** The others in the call whose connection is in trouble (the banner that offers a retry). */
export function troubledOthers(holder: WithMembers): CallMember[] {
  return othersOf(holder).filter(
    (p) => p.status === 'joined' && (p.connection === 'reconnecting' || p.connection === 'failed'),
  );
}

export function isJoined(holder: WithMembers, userId: string): boolean {
  return memberOf(holder, userId)?.status === 'joined';
}
