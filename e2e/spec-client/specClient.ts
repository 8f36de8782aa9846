/**
 * A calling client written only from the phase 4 spec: what a mobile app, a bot or another desktop client would
 * be. Node, @roamhq/wrtc, socket.io-client and fetch; nothing from the project's src/ or backend/ (a lint rule
 * keeps it so). It speaks exactly the documented REST and events:
 * - the socket authenticates with `auth: { token }` and nothing else;
 * - as caller it initiates over REST, then sends `call:offer` to each callee;
 * - as callee it answers over REST and replies to the caller's offer with `call:answer`;
 * - ICE candidates trickle as `call:ice-candidate`; mute / camera go through PATCH /media, and the server's
 *   `call:media-state-changed` events are recorded;
 * - hang-up is POST /end, decline is POST /reject.
 * Every server event is checked against the spec's shape; a mismatch is recorded in `protocolErrors`.
 *
 * `calleeMode: 'offer-after-answer'` is a plain client that does its own thing: it never takes an offer
 * (while its phone rings or after), and once it has answered, it offers itself (no head start for anybody).
 * `callerMode: 'offer-after-join'` is its counterpart as caller: it offers to a callee only once the server
 * says they joined (`call:participant-joined`), so nothing can connect while the phone rings.
 */
import wrtc from '@roamhq/wrtc';
import { io, type Socket } from 'socket.io-client';
import type { z } from 'zod';
import {
  AnswerResponse,
  InitiateResponse,
  type MediaState,
  ServerEvents,
  TurnCredentialsResponse,
  type ServerEvent,
  type ServerEventName,
} from './specProtocol.ts';
import { MediaClock } from './syntheticMedia.ts';

export type CalleeMode = 'answer-offer' | 'offer-after-answer';
export type CallerMode = 'offer-with-ring' | 'offer-after-join';

export interface SpecClientOptions {
  /** The server's base URL (REST and socket.io on the same origin). */
  url: string;
  token: string;
  userId: string;
  /** For log lines only. */
  label: string;
  calleeMode?: CalleeMode;
  callerMode?: CallerMode;
}

/** What this client received from a peer, from its own getStats (the receiving side). */
export interface ReceivedMedia {
  framesDecoded: number;
  audioBytesReceived: number;
  videoBytesReceived: number;
}

/** What this client sent to a peer: RTP payload bytes by kind. */
export interface SentMedia {
  audioBytesSent: number;
  videoBytesSent: number;
}

/** Small synthetic camera: the web client only has to decode it, and wrtc encodes in software. */
const VIDEO_FORMAT = { width: 320, height: 240, fps: 15 };
const EVENT_WAIT_MS = 30_000;

export class SpecClient {
  readonly userId: string;
  readonly incoming: ServerEvent<'call:incoming'>[] = [];
  readonly ended: ServerEvent<'call:ended'>[] = [];
  readonly mediaStateChanges: ServerEvent<'call:media-state-changed'>[] = [];
  /** Server events whose shape is not the spec's, and signaling the server refused. */
  readonly protocolErrors: string[] = [];
  readonly log: string[] = [];

  readonly #options: SpecClientOptions;
  readonly #socket: Socket;
  readonly #clock = new MediaClock(VIDEO_FORMAT);
  readonly #media = this.#clock.open();
  readonly #stream = new wrtc.MediaStream([this.#media.audio, this.#media.video]);
  readonly #peers = new Map<string, RTCPeerConnection>();
  /** Candidates that arrive before their connection has the remote description cannot be added yet. */
  readonly #pendingCandidates = new Map<string, RTCIceCandidateInit[]>();
  readonly #waiters = new Set<() => void>();
  #iceServers: RTCIceServer[] = [];
  #callId: string | null = null;
  #answered = false;
  /** Callees this caller offers to when they join (callerMode 'offer-after-join'). */
  readonly #offerOnJoin = new Set<string>();
  /** The caller's offer that came with the ring, set once the user answers. */
  #pendingOffer: ServerEvent<'call:offer'> | null = null;

  private constructor(options: SpecClientOptions, socket: Socket) {
    this.#options = options;
    this.userId = options.userId;
    this.#socket = socket;
    this.#on('call:incoming', (e) => {
      this.incoming.push(e);
      this.#callId ??= e.callId;
    });
    this.#on('call:offer', (e) => this.#guard(this.#takeOffer(e)));
    this.#on('call:answer', (e) => this.#guard(this.#takeAnswer(e)));
    this.#on('call:ice-candidate', (e) => this.#guard(this.#takeCandidate(e)));
    this.#on('call:media-state-changed', (e) => this.mediaStateChanges.push(e));
    this.#on('call:ended', (e) => {
      this.ended.push(e);
      if (e.callId === this.#callId) this.#hangUpLocally();
    });
    this.#on('call:participant-joined', (e) => {
      if (e.callId !== this.#callId || !this.#offerOnJoin.delete(e.userId)) return;
      this.#guard(this.#offer(e.userId));
    });
    this.#on('call:participant-left', (e) => {
      if (e.callId === this.#callId) this.#closePeer(e.userId);
    });
  }

  static async connect(options: SpecClientOptions): Promise<SpecClient> {
    // WebSocket only: the spec names no transport, and this server (docs/backend.md) refuses long-polling,
    // socket.io-client's default first step ("xhr poll error").
    const socket = io(options.url, {
      auth: { token: options.token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', (error) => {
        socket.close();
        reject(new Error(`${options.label}: socket refused: ${error.message}`));
      });
    });
    const client = new SpecClient(options, socket);
    client.#iceServers = await client.#fetchIceServers();
    return client;
  }

  get callId(): string | null {
    return this.#callId;
  }

  /** POST /api/calls/initiate, then `call:offer` to every callee. Resolves with the call id. */
  async call(conversationId: string, participantIds: string[], type: 'audio' | 'video'): Promise<string> {
    const response = InitiateResponse.parse(
      await this.#rest('POST', '/api/calls/initiate', { conversationId, type, participantIds }),
    );
    this.#callId = response.callId;
    this.#answered = true;
    if (this.#options.callerMode === 'offer-after-join') {
      for (const peerId of participantIds) this.#offerOnJoin.add(peerId);
    } else {
      for (const peerId of participantIds) await this.#offer(peerId);
    }
    return response.callId;
  }

  /** POST /api/calls/:callId/answer for the ringing call; replies to its offer, or offers (offer-after-answer). */
  async answer(): Promise<void> {
    const call = await this.waitFor(() => this.incoming.at(-1), 'an incoming call');
    this.#callId = call.callId;
    AnswerResponse.parse(await this.#rest('POST', `/api/calls/${call.callId}/answer`, {}));
    this.#answered = true;
    if (this.#options.calleeMode === 'offer-after-answer') {
      await this.#offer(call.initiatedBy);
      return;
    }
    const pending = this.#pendingOffer;
    this.#pendingOffer = null;
    if (pending) await this.#takeOffer(pending);
  }

  async reject(): Promise<void> {
    const call = await this.waitFor(() => this.incoming.at(-1), 'an incoming call');
    await this.#rest('POST', `/api/calls/${call.callId}/reject`, {});
    this.#hangUpLocally();
  }

  async end(): Promise<void> {
    if (!this.#callId) throw new Error(`${this.#options.label}: not in a call`);
    await this.#rest('POST', `/api/calls/${this.#callId}/end`, {});
    this.#hangUpLocally();
  }

  /** Mute / camera: the local tracks stop carrying content, and PATCH /media tells the others. */
  async setMedia(state: Partial<Pick<MediaState, 'audioEnabled' | 'videoEnabled'>>): Promise<void> {
    if (!this.#callId) throw new Error(`${this.#options.label}: not in a call`);
    if (state.audioEnabled !== undefined) this.#media.audio.enabled = state.audioEnabled;
    if (state.videoEnabled !== undefined) this.#media.video.enabled = state.videoEnabled;
    const body = {
      audioEnabled: this.#media.audio.enabled,
      videoEnabled: this.#media.video.enabled,
      screenSharing: false,
    };
    await this.#rest('PATCH', `/api/calls/${this.#callId}/media`, body);
  }

  async receivedFrom(peerId: string): Promise<ReceivedMedia> {
    const result: ReceivedMedia = { framesDecoded: 0, audioBytesReceived: 0, videoBytesReceived: 0 };
    for (const entry of await this.#stats(peerId)) {
      if (entry.type !== 'inbound-rtp') continue;
      if (entry.kind === 'audio') result.audioBytesReceived += Number(entry.bytesReceived ?? 0);
      if (entry.kind === 'video') {
        result.videoBytesReceived += Number(entry.bytesReceived ?? 0);
        result.framesDecoded += Number(entry.framesDecoded ?? 0);
      }
    }
    return result;
  }

  async sentTo(peerId: string): Promise<SentMedia> {
    const result: SentMedia = { audioBytesSent: 0, videoBytesSent: 0 };
    for (const entry of await this.#stats(peerId)) {
      if (entry.type !== 'outbound-rtp') continue;
      if (entry.kind === 'audio') result.audioBytesSent += Number(entry.bytesSent ?? 0);
      if (entry.kind === 'video') result.videoBytesSent += Number(entry.bytesSent ?? 0);
    }
    return result;
  }

  /** The peer connection's state towards `peerId`, or null when there is none. */
  connectionState(peerId: string): RTCPeerConnectionState | null {
    return this.#peers.get(peerId)?.connectionState ?? null;
  }

  /** Resolves with the first truthy value of `probe`, re-checked on every server event and every 100 ms. */
  async waitFor<T>(
    probe: () => T | null | undefined | false,
    what: string,
    timeoutMs = EVENT_WAIT_MS,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > deadline) {
        throw new Error(`${this.#options.label}: no ${what} within ${timeoutMs} ms\n${this.log.join('\n')}`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, 100);
        this.#waiters.add(wake);
      });
    }
  }

  close(): void {
    this.#hangUpLocally();
    this.#socket.close();
    this.#media.stop();
  }

  #on<N extends ServerEventName>(name: N, handler: (event: ServerEvent<N>) => void): void {
    this.#socket.on(name as string, (payload: unknown) => {
      const parsed = (ServerEvents[name] as z.ZodType).safeParse(payload);
      if (!parsed.success) {
        this.protocolErrors.push(`${name}: ${parsed.error.message}`);
        return;
      }
      this.#note(`< ${name} ${JSON.stringify(payload).slice(0, 120)}`);
      handler(parsed.data as ServerEvent<N>);
      for (const wake of [...this.#waiters]) wake();
    });
  }

  #note(line: string): void {
    this.log.push(`${new Date().toISOString().slice(11, 23)} ${this.#options.label} ${line}`);
  }

  #guard(work: Promise<void>): void {
    work.catch((error: unknown) => {
      this.#note(`! ${error instanceof Error ? error.message : String(error)}`);
      this.protocolErrors.push(error instanceof Error ? error.message : String(error));
    });
  }

  async #rest(method: string, route: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.#options.url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#options.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: unknown = await response.json();
    this.#note(`${method} ${route} -> ${response.status}`);
    if (!response.ok)
      throw new Error(`${method} ${route} answered ${response.status}: ${JSON.stringify(json)}`);
    return json;
  }

  async #fetchIceServers(): Promise<RTCIceServer[]> {
    const { credentials } = TurnCredentialsResponse.parse(
      await this.#rest('GET', '/api/calls/turn-credentials'),
    );
    return credentials ? [credentials] : [];
  }

  /** Emits a signaling event; the server's refusal (an error acknowledgement) is a protocol error. */
  async #emit(event: 'call:offer' | 'call:answer' | 'call:ice-candidate', payload: object): Promise<void> {
    this.#note(`> ${event}`);
    const ack = (await this.#socket.timeout(EVENT_WAIT_MS).emitWithAck(event, payload)) as {
      ok?: boolean;
      error?: unknown;
    };
    if (ack?.ok === false) throw new Error(`${event} refused: ${JSON.stringify(ack.error)}`);
  }

  #peer(peerId: string): RTCPeerConnection {
    const existing = this.#peers.get(peerId);
    if (existing) return existing;
    const pc = new wrtc.RTCPeerConnection({ iceServers: this.#iceServers });
    for (const track of this.#stream.getTracks()) pc.addTrack(track, this.#stream);
    pc.onicecandidate = ({ candidate }) => {
      const callId = this.#callId;
      if (!candidate || !callId) return;
      this.#guard(
        this.#emit('call:ice-candidate', { callId, targetUserId: peerId, candidate: candidate.toJSON() }),
      );
    };
    pc.onconnectionstatechange = () => {
      this.#note(`pc(${peerId.slice(0, 8)}) ${pc.connectionState}`);
      for (const wake of [...this.#waiters]) wake();
    };
    this.#peers.set(peerId, pc);
    return pc;
  }

  async #offer(peerId: string): Promise<void> {
    const pc = this.#peer(peerId);
    await pc.setLocalDescription(await pc.createOffer());
    await this.#emit('call:offer', {
      callId: this.#callId,
      targetUserId: peerId,
      offer: pc.localDescription,
    });
  }

  async #takeOffer(event: ServerEvent<'call:offer'>): Promise<void> {
    if (event.callId !== this.#callId) return;
    // It makes the offer itself and takes none: the caller's offer, sent with the ring, may as well arrive
    // after this client answered (the two cross on the wire), and it is ignored then too.
    if (this.#options.calleeMode === 'offer-after-answer') {
      this.#note(
        `ignores the offer of ${event.fromUserId}${this.#answered ? ' (it offers itself)' : ' (ringing)'}`,
      );
      return;
    }
    if (!this.#answered) {
      // Still ringing: a spec client answers the offer only once the user has picked up.
      this.#pendingOffer = event;
      return;
    }
    const pc = this.#peer(event.fromUserId);
    // The spec has the caller offer and the callee answer: nothing in it resolves two offers crossing, so a
    // plain client fails here exactly like setRemoteDescription would (InvalidStateError: have-local-offer).
    if (pc.signalingState !== 'stable') {
      throw new Error(`offer from ${event.fromUserId} while ${pc.signalingState}: the roles are inverted`);
    }
    await pc.setRemoteDescription(event.offer);
    await this.#flushCandidates(event.fromUserId);
    await pc.setLocalDescription(await pc.createAnswer());
    await this.#emit('call:answer', {
      callId: event.callId,
      targetUserId: event.fromUserId,
      answer: pc.localDescription,
    });
  }

  async #takeAnswer(event: ServerEvent<'call:answer'>): Promise<void> {
    const pc = this.#peers.get(event.fromUserId);
    if (event.callId !== this.#callId) return;
    if (!pc || pc.signalingState !== 'have-local-offer') {
      throw new Error(`answer from ${event.fromUserId} without an offer of ours`);
    }
    await pc.setRemoteDescription(event.answer);
    await this.#flushCandidates(event.fromUserId);
  }

  async #takeCandidate(event: ServerEvent<'call:ice-candidate'>): Promise<void> {
    if (event.callId !== this.#callId || !event.candidate?.candidate) return;
    // A ring's offer this client ignores brings candidates of a session that will never exist here.
    if (!this.#answered && this.#options.calleeMode === 'offer-after-answer') return;
    const pc = this.#peers.get(event.fromUserId);
    if (!pc?.remoteDescription) {
      const pending = this.#pendingCandidates.get(event.fromUserId) ?? [];
      this.#pendingCandidates.set(event.fromUserId, [...pending, event.candidate]);
      return;
    }
    await this.#addCandidate(pc, event.candidate);
  }

  async #flushCandidates(peerId: string): Promise<void> {
    const pc = this.#peers.get(peerId);
    const pending = this.#pendingCandidates.get(peerId) ?? [];
    this.#pendingCandidates.delete(peerId);
    if (pc) for (const candidate of pending) await this.#addCandidate(pc, candidate);
  }

  /** A candidate of an earlier ICE generation (after a renegotiation) is refused by design: noted only. */
  async #addCandidate(pc: RTCPeerConnection, candidate: RTCIceCandidateInit): Promise<void> {
    await pc.addIceCandidate(candidate).catch((error: unknown) => {
      this.#note(`candidate refused: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  async #stats(peerId: string): Promise<Array<Record<string, unknown>>> {
    const pc = this.#peers.get(peerId);
    if (!pc) return [];
    const report = await pc.getStats();
    return [...report.values()] as Array<Record<string, unknown>>;
  }

  #closePeer(peerId: string): void {
    this.#peers.get(peerId)?.close();
    this.#peers.delete(peerId);
    this.#pendingCandidates.delete(peerId);
  }

  #hangUpLocally(): void {
    for (const peerId of [...this.#peers.keys()]) this.#closePeer(peerId);
    this.#callId = null;
    this.#answered = false;
    this.#pendingOffer = null;
    this.#offerOnJoin.clear();
  }
}
