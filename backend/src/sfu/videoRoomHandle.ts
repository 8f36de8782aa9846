/**
 * The VideoRoom plugin (janus.plugin.videoroom, multistream API of Janus 1.x) on top of a generic handle:
 * typed requests that check they got the answer they ask for, and the plugin's notifications as named
 * events. Requests take the plugin's own fields (snake_case, as in the Janus VideoRoom docs) plus `jsep`.
 *
 * Feeds appear as `feed` everywhere (Janus says `id` in some messages and `feed_id` in others), so a
 * publisher list from a join and one from a later notification look the same to the caller.
 */
import type {
  JanusEventData,
  JanusEventListener,
  JanusHandle,
  JanusJsep,
  JanusPlugin,
  JanusResponse,
  JanusSession,
} from './janusClient.ts';

export const VIDEOROOM_PLUGIN_ID = 'janus.plugin.videoroom';

/** Notifications of the VideoRoom plugin on a handle (events that answer none of its own requests). */
export const VIDEOROOM_EVENT = {
  VIDEOROOM_PUB_PEER_JOINED: 'videoroom_publisher_joined',
  VIDEOROOM_PUB_LIST: 'videoroom_publisher_list',
  VIDEOROOM_DESTROYED: 'videoroom_destroyed',
  VIDEOROOM_UNPUBLISHED: 'videoroom_unpublished',
  VIDEOROOM_LEAVING: 'videoroom_leaving',
  VIDEOROOM_KICKED: 'videoroom_kicked',
  VIDEOROOM_DISPLAY: 'videoroom_display',
  VIDEOROOM_CONFIGURED: 'videoroom_configured',
  VIDEOROOM_SLOWLINK: 'videoroom_slowlink',
  VIDEOROOM_TALKING: 'videoroom_talking',
  VIDEOROOM_SC_SUBSTREAM_LAYER: 'videoroom_sc_substream_layer',
  VIDEOROOM_SC_TEMPORAL_LAYERS: 'videoroom_sc_temporal_layers',
  VIDEOROOM_UPDATED: 'videoroom_updated',
  VIDEOROOM_ERROR: 'videoroom_error',
} as const;

/** A VideoRoom handle; only the requests CallBridge uses are listed. Results are the plugin's answer. */
export interface VideoRoomHandle extends JanusHandle {
  /** This handle's own feed id once it joined as a publisher (or the feed it subscribed to, single-stream). */
  feed: number | string | null;
  room: number | string | null;
  joinPublisher(params: Record<string, unknown>): Promise<JanusEventData>;
  joinConfigurePublisher(params: Record<string, unknown>): Promise<JanusEventData>;
  configure(params: Record<string, unknown>): Promise<JanusEventData>;
  publish(params: Record<string, unknown>): Promise<JanusEventData>;
  unpublish(): Promise<JanusEventData>;
  joinSubscriber(params: Record<string, unknown>): Promise<JanusEventData>;
  start(params: { jsep: JanusJsep; e2ee?: boolean }): Promise<JanusEventData>;
  update(params: { subscribe?: unknown[]; unsubscribe?: unknown[] }): Promise<JanusEventData>;
  pause(): Promise<JanusEventData>;
  leave(): Promise<JanusEventData>;
}

type FeedId = number | string;

/** The answer each kind of request must get: its own `videoroom` kind, or an `event` saying it worked. */
const ANSWERS = {
  joined: (data) => data.videoroom === 'joined',
  attached: (data) => data.videoroom === 'attached',
  // "updating": Janus already renegotiates an earlier update and folds this one into it.
  updated: (data) => data.videoroom === 'updated' || data.videoroom === 'updating',
  configured: (data) => data.videoroom === 'event' && data.configured === 'ok',
  unpublished: (data) => data.videoroom === 'event' && data.unpublished !== undefined,
  started: (data) => data.videoroom === 'event' && data.started === 'ok',
  paused: (data) => data.videoroom === 'event' && data.paused === 'ok',
  left: (data) => data.videoroom === 'event' && (data.leaving !== undefined || data.left !== undefined),
} satisfies Record<string, (data: Record<string, unknown>) => boolean>;
const isFeed = (value: unknown): value is FeedId => typeof value === 'number' || typeof value === 'string';

/** A publisher entry with its id also as `feed`. */
function withFeed(publisher: unknown): unknown {
  if (typeof publisher !== 'object' || publisher === null) return publisher;
  const { id } = publisher as { id?: unknown };
  return isFeed(id) ? { ...publisher, feed: id } : publisher;
}

function withPublisherFeeds(data: Record<string, unknown>): Record<string, unknown> {
  return Array.isArray(data.publishers) ? { ...data, publishers: data.publishers.map(withFeed) } : data;
}

/**
 * The named event of an unsolicited VideoRoom message, or null for one CallBridge has no name for. `ownFeed`
 * resolves the `'ok'` Janus sends about the handle's own feed.
 */
export function videoRoomEventOf(
  data: Record<string, unknown>,
  ownFeed: FeedId | null,
): { name: string; data: JanusEventData } | null {
  const event = (name: string, payload: JanusEventData = data) => ({ name, data: payload });
  const feedOf = (value: unknown) => (value === 'ok' ? ownFeed : value);
  switch (data.videoroom) {
    case 'destroyed':
      return event(VIDEOROOM_EVENT.VIDEOROOM_DESTROYED);
    case 'slow_link':
      return event(VIDEOROOM_EVENT.VIDEOROOM_SLOWLINK);
    case 'talking':
    case 'stopped-talking':
      return event(VIDEOROOM_EVENT.VIDEOROOM_TALKING, {
        ...data,
        feed: data.id,
        talking: data.videoroom === 'talking',
      });
    case 'updated':
    case 'updating':
      return event(VIDEOROOM_EVENT.VIDEOROOM_UPDATED);
    case 'event':
      break;
    default:
      return null;
  }
  if (typeof data.error_code === 'number') return event(VIDEOROOM_EVENT.VIDEOROOM_ERROR);
  if (typeof data.joining === 'object' && data.joining !== null) {
    return event(VIDEOROOM_EVENT.VIDEOROOM_PUB_PEER_JOINED, {
      ...data,
      ...(withFeed(data.joining) as object),
    });
  }
  if (Array.isArray(data.publishers)) {
    return event(VIDEOROOM_EVENT.VIDEOROOM_PUB_LIST, withPublisherFeeds(data));
  }
  if (data.unpublished !== undefined) {
    return event(VIDEOROOM_EVENT.VIDEOROOM_UNPUBLISHED, { ...data, feed: feedOf(data.unpublished) });
  }
  if (data.leaving !== undefined) {
    return event(VIDEOROOM_EVENT.VIDEOROOM_LEAVING, { ...data, feed: feedOf(data.leaving) });
  }
  if (data.left !== undefined) return event(VIDEOROOM_EVENT.VIDEOROOM_LEAVING, { ...data, feed: ownFeed });
  if (data.kicked !== undefined)
    return event(VIDEOROOM_EVENT.VIDEOROOM_KICKED, { ...data, feed: data.kicked });
  if (data.configured !== undefined) return event(VIDEOROOM_EVENT.VIDEOROOM_CONFIGURED);
  if (data.substream !== undefined) return event(VIDEOROOM_EVENT.VIDEOROOM_SC_SUBSTREAM_LAYER);
  if (data.temporal !== undefined) return event(VIDEOROOM_EVENT.VIDEOROOM_SC_TEMPORAL_LAYERS);
  if (data.display !== undefined) return event(VIDEOROOM_EVENT.VIDEOROOM_DISPLAY, { ...data, feed: data.id });
  return null;
}

/** Attaches a VideoRoom handle in `session`. */
export async function attachVideoRoom(session: JanusSession): Promise<VideoRoomHandle> {
  let videoRoom: VideoRoom | null = null;
  const plugin: JanusPlugin = {
    id: VIDEOROOM_PLUGIN_ID,
    eventOf: (data) => videoRoomEventOf(data, videoRoom?.feed ?? null),
  };
  videoRoom = new VideoRoom(await session.attach(plugin));
  return videoRoom;
}

class VideoRoom implements VideoRoomHandle {
  feed: FeedId | null = null;
  room: FeedId | null = null;
  private readonly handle: JanusHandle;

  constructor(handle: JanusHandle) {
    this.handle = handle;
  }

  get id(): number {
    return this.handle.id;
  }

  on(event: string, listener: JanusEventListener): this {
    this.handle.on(event, listener);
    return this;
  }

  once(event: string, listener: JanusEventListener): this {
    this.handle.once(event, listener);
    return this;
  }

  off(event: string, listener: JanusEventListener): this {
    this.handle.off(event, listener);
    return this;
  }

  message(body: Record<string, unknown>, jsep?: JanusJsep): Promise<JanusResponse> {
    return this.handle.message(body, jsep);
  }

  trickle(candidate: unknown): Promise<unknown> {
    return this.handle.trickle(candidate);
  }

  trickleComplete(): Promise<unknown> {
    return this.handle.trickleComplete();
  }

  hangup(): Promise<unknown> {
    return this.handle.hangup();
  }

  detach(): Promise<void> {
    return this.handle.detach();
  }

  async joinPublisher(params: Record<string, unknown>): Promise<JanusEventData> {
    return this.joined(await this.ask({ request: 'join', ptype: 'publisher', ...params }, 'joined'));
  }

  async joinConfigurePublisher(params: Record<string, unknown>): Promise<JanusEventData> {
    const body = { request: 'joinandconfigure', ptype: 'publisher', ...params };
    return this.joined(await this.ask(body, 'joined'));
  }

  configure(params: Record<string, unknown>): Promise<JanusEventData> {
    return this.ask({ request: 'configure', ...params }, 'configured');
  }

  publish(params: Record<string, unknown>): Promise<JanusEventData> {
    return this.ask({ request: 'publish', ...params }, 'configured');
  }

  unpublish(): Promise<JanusEventData> {
    return this.ask({ request: 'unpublish' }, 'unpublished');
  }

  async joinSubscriber(params: Record<string, unknown>): Promise<JanusEventData> {
    const answer = await this.ask({ request: 'join', ptype: 'subscriber', ...params }, 'attached');
    if (isFeed(answer.room)) this.room = answer.room;
    if (isFeed(answer.id)) this.feed = answer.id;
    return answer;
  }

  start({ jsep, e2ee }: { jsep: JanusJsep; e2ee?: boolean }): Promise<JanusEventData> {
    return this.ask({ request: 'start', jsep: e2ee === undefined ? jsep : { ...jsep, e2ee } }, 'started');
  }

  update(params: { subscribe?: unknown[]; unsubscribe?: unknown[] }): Promise<JanusEventData> {
    return this.ask({ request: 'update', ...params }, 'updated');
  }

  pause(): Promise<JanusEventData> {
    return this.ask({ request: 'pause' }, 'paused');
  }

  leave(): Promise<JanusEventData> {
    return this.ask({ request: 'leave' }, 'left');
  }

  private joined(answer: JanusEventData): JanusEventData {
    if (isFeed(answer.room)) this.room = answer.room;
    if (isFeed(answer.id)) this.feed = answer.id;
    return { ...withPublisherFeeds(answer), feed: answer.id };
  }

  /**
   * Sends a request (its `jsep`, if any, beside the body) and returns the plugin's answer with the JSEP Janus
   * attached to it. Rejects an answer that is not the kind asked for.
   */
  private async ask(
    params: Record<string, unknown> & { request: string },
    expected: keyof typeof ANSWERS,
  ): Promise<JanusEventData> {
    const { jsep, ...body } = params as Record<string, unknown> & { jsep?: JanusJsep };
    const response = await this.handle.message(body, jsep);
    const data = response.plugindata?.data ?? {};
    if (!ANSWERS[expected](data)) {
      throw new Error(`unexpected VideoRoom answer to ${params.request}: ${String(data.videoroom)}`);
    }
    return response.jsep === undefined ? data : { ...data, jsep: response.jsep };
  }
}
