import type { ServerToClientEvents } from '../../../src/shared/protocol/index.ts';

export type ServerEvent = keyof ServerToClientEvents;

/** Who left a call, and which of their stays in it ended (a rejoin since is another stay). */
export interface Leaver {
  userId: string;
  stay: number;
}
export type ServerEventPayload<E extends ServerEvent> = Parameters<ServerToClientEvents[E]>[0];

/** How services reach connected clients; the socket layer implements it over socket.io rooms. */
export interface CallNotifier {
  /** Every device of each user. */
  toUsers<E extends ServerEvent>(userIds: readonly string[], event: E, payload: ServerEventPayload<E>): void;
  /** Every device of the user except one (all of them when `exceptDeviceId` is null). */
  toOtherDevices<E extends ServerEvent>(
    userId: string,
    exceptDeviceId: string | null,
    event: E,
    payload: ServerEventPayload<E>,
  ): void;
  /** One device of the user (every device when `deviceId` is null: a participant bound to no device). */
  toDevice<E extends ServerEvent>(
    userId: string,
    deviceId: string | null,
    event: E,
    payload: ServerEventPayload<E>,
  ): void;
  /**
   * A committed change to the call's participants: caches of it (the relay directory) are stale now.
   * `left`: participants who left in it, whose media server sessions of that stay must end even if they
   * rejoined since; a session of a later stay stays.
   */
  callChanged(callId: string, left?: readonly Leaver[]): void;
}

/**
 * Events decided inside a database transaction, delivered only after it committed: a client must never
 * hear about a state that a rollback then undid. Side effects outside the database (destroying a media
 * server room) wait for the commit the same way.
 */
export class Outbox implements Omit<CallNotifier, 'callChanged'> {
  private readonly pending: ((notifier: CallNotifier) => void)[] = [];
  private readonly tasks: (() => void)[] = [];
  /** Who left the call in this transaction (see CallNotifier.callChanged). */
  readonly leavers: Leaver[] = [];

  toUsers<E extends ServerEvent>(userIds: readonly string[], event: E, payload: ServerEventPayload<E>): void {
    if (userIds.length > 0) this.pending.push((n) => n.toUsers(userIds, event, payload));
  }

  toOtherDevices<E extends ServerEvent>(
    userId: string,
    exceptDeviceId: string | null,
    event: E,
    payload: ServerEventPayload<E>,
  ): void {
    this.pending.push((n) => n.toOtherDevices(userId, exceptDeviceId, event, payload));
  }

  toDevice<E extends ServerEvent>(
    userId: string,
    deviceId: string | null,
    event: E,
    payload: ServerEventPayload<E>,
  ): void {
    this.pending.push((n) => n.toDevice(userId, deviceId, event, payload));
  }

  /** Runs after the events went out; must not throw (fire-and-forget work catches its own errors). */
  afterCommit(task: () => void): void {
    this.tasks.push(task);
  }

  deliver(notifier: CallNotifier): void {
    for (const send of this.pending.splice(0)) send(notifier);
    for (const task of this.tasks.splice(0)) task();
  }
}
