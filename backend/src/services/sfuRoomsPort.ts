/**
 * What the call service needs of the SFU: which instances are up, and rooms created and destroyed on them.
 * A port so that the call lifecycle (and its topology decisions) can be tested without a Janus; the real
 * one (sfu/janusRoomsPort.ts) wraps the Janus pool and rooms.
 */

export interface SfuRoomsPort {
  /** Instances reachable now, in configuration order. */
  healthy(): readonly string[];
  /** Creates a room for the call on `url`; its id is the call's new SFU epoch. */
  create(url: string, callId: string): Promise<number>;
  /** Idempotent: a room already gone counts as destroyed. */
  destroy(url: string, roomId: number): Promise<void>;
  /** Janus records every publisher of the room into recDir (null stops it). */
  setRecording(url: string, roomId: number, recDir: string | null): Promise<void>;
}
