/**
 * Screen and window picking for getDisplayMedia. Electron hands every request to
 * `session.setDisplayMediaRequestHandler`; this service parks it under an id, sends the renderer's own
 * picker the capturable sources (refreshed while the picker is open, since windows come and go), and
 * resolves the request exactly once: with the chosen source, or cancelled (choice of none, timeout, a newer
 * request, the window going away).
 *
 * On Linux under Wayland, applications cannot enumerate windows: desktopCapturer.getSources opens the
 * PipeWire portal's own picker and returns what the user chose there. Showing our picker too would make the
 * user pick twice, so in that mode the portal is the only picker.
 */
import { randomUUID } from 'node:crypto';
import {
  DesktopSource,
  type ScreenPickerChoice,
  type ScreenPickerRequest,
  type Result,
} from '../../shared/desktopApi.ts';
import type { EventChannel, EventPayload } from '../../shared/ipc.ts';
import { errorMessage, type Logger } from '../log.ts';
import { fail, okVoid } from '../result.ts';

/** The parts of Electron's NativeImage the picker reads. */
export interface CapturedImage {
  isEmpty(): boolean;
  toDataURL(): string;
}

/** The parts of Electron's DesktopCapturerSource the picker reads. */
export interface CapturerSource {
  readonly id: string;
  readonly name: string;
  readonly thumbnail: CapturedImage;
  readonly appIcon: CapturedImage | null;
}

export interface SourceQuery {
  types: Array<'screen' | 'window'>;
  thumbnailSize: { width: number; height: number };
  fetchWindowIcons: boolean;
}

/** What Electron's display-media callback accepts; null denies the request (the page sees NotAllowedError). */
export type GrantedStreams = { video: { id: string; name: string }; audio?: 'loopback' };
export type GrantCallback = (streams: GrantedStreams | null) => void;

/** The renderer that asked, as far as the picker needs it. */
export interface PickerRenderer {
  readonly id: number;
  send<C extends EventChannel>(channel: C, payload: EventPayload<C>): void;
}

export interface DisplayMediaRequest {
  renderer: PickerRenderer;
  audioRequested: boolean;
}

export type PickerMode = 'app-picker' | 'system-picker';

export interface ScreenPickerDeps {
  getSources(query: SourceQuery): Promise<CapturerSource[]>;
  /** Media source ids ('window:<id>:0') of this app's own windows, which are never offered. */
  ownWindowSourceIds(): ReadonlySet<string>;
  /** macOS screen-recording permission; null where the OS has no such permission. */
  screenRecordingPermission(): 'granted' | 'denied' | null;
  mode: PickerMode;
  /** Windows can add system audio (WASAPI loopback) to a share; other OSes cannot through Electron. */
  systemAudioSupported: boolean;
  /** A capture of `sourceName` was handed to the renderer (the sharing indicator starts here). */
  onCaptureGranted(rendererId: number, sourceName: string): void;
  log: Logger;
  refreshIntervalMs?: number;
  timeoutMs?: number;
  newRequestId?: () => string;
}

/**
 * Under a Wayland session Chromium captures through the PipeWire portal (whatever Electron's own ozone
 * backend is), so the portal's picker is the one that can work.
 */
export function pickerModeFor(
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
  ozonePlatform: string,
): PickerMode {
  if (platform !== 'linux') return 'app-picker';
  return env.XDG_SESSION_TYPE === 'wayland' || ozonePlatform === 'wayland' ? 'system-picker' : 'app-picker';
}

/**
 * macOS's screen-recording permission as the picker reports it. 'not-determined' counts as granted: listing
 * sources is what makes macOS ask the user.
 */
export function screenRecordingPermissionFrom(
  platform: NodeJS.Platform,
  status: () => 'not-determined' | 'granted' | 'denied' | 'restricted' | 'unknown',
): 'granted' | 'denied' | null {
  if (platform !== 'darwin') return null;
  const current = status();
  return current === 'denied' || current === 'restricted' ? 'denied' : 'granted';
}

/** Large enough to recognise a window at a glance, small enough that a refresh stays cheap over IPC. */
export const THUMBNAIL_SIZE = { width: 320, height: 180 } as const;
const SOURCE_QUERY: SourceQuery = {
  types: ['screen', 'window'],
  thumbnailSize: THUMBNAIL_SIZE,
  fetchWindowIcons: true,
};

interface ParkedRequest {
  readonly requestId: string;
  readonly renderer: PickerRenderer;
  readonly grant: GrantCallback;
  readonly systemAudioAvailable: boolean;
  readonly refreshTimer: NodeJS.Timeout | undefined;
  readonly timeoutTimer: NodeJS.Timeout;
  /** The sources last sent, by id: a choice must name one of them. */
  sources: Map<string, DesktopSource>;
  lastSentSignature: string;
  refreshing: boolean;
}

function sourceKind(id: string): DesktopSource['kind'] | null {
  if (id.startsWith('screen:')) return 'screen';
  if (id.startsWith('window:')) return 'window';
  return null;
}

/**
 * Turns Electron's sources into what the picker shows. Sources whose thumbnail is empty are dropped: they are
 * windows that cannot be captured (minimised on some OSes, or withheld by the OS) and would only show a blank
 * tile.
 */
export function toPickerSources(raw: CapturerSource[], ownWindowIds: ReadonlySet<string>): DesktopSource[] {
  const sources: DesktopSource[] = [];
  for (const source of raw) {
    const kind = sourceKind(source.id);
    if (kind === null || ownWindowIds.has(source.id) || source.thumbnail.isEmpty()) continue;
    const appIcon = kind === 'window' && source.appIcon && !source.appIcon.isEmpty() ? source.appIcon : null;
    const parsed = DesktopSource.safeParse({
      id: source.id,
      name: source.name,
      kind,
      thumbnailDataUrl: source.thumbnail.toDataURL(),
      appIconDataUrl: appIcon ? appIcon.toDataURL() : null,
    });
    if (parsed.success) sources.push(parsed.data);
  }
  return sources;
}

export class ScreenPickerService {
  readonly #deps: ScreenPickerDeps;
  readonly #parked = new Map<string, ParkedRequest>();

  constructor(deps: ScreenPickerDeps) {
    this.#deps = deps;
  }

  /** Number of requests waiting for a choice (for tests and diagnostics). */
  get pendingCount(): number {
    return this.#parked.size;
  }

  async handleRequest(request: DisplayMediaRequest, grant: GrantCallback): Promise<void> {
    if (this.#deps.mode === 'system-picker') {
      await this.#answerWithSystemPicker(request.renderer.id, grant);
      return;
    }
    // One picker per window: a newer request supersedes one still open (as browsers do).
    for (const parked of this.#parked.values()) {
      if (parked.renderer.id === request.renderer.id) this.#settle(parked, null, 'superseded');
    }
    const requestId = (this.#deps.newRequestId ?? randomUUID)();
    const permission = this.#deps.screenRecordingPermission();
    const parked: ParkedRequest = {
      requestId,
      renderer: request.renderer,
      grant,
      systemAudioAvailable: this.#deps.systemAudioSupported && request.audioRequested,
      refreshTimer:
        permission === 'denied'
          ? undefined
          : setInterval(() => void this.#refresh(requestId), this.#deps.refreshIntervalMs ?? 2000),
      timeoutTimer: setTimeout(() => this.#settleById(requestId, 'timeout'), this.#deps.timeoutMs ?? 120_000),
      sources: new Map(),
      lastSentSignature: '',
      refreshing: false,
    };
    this.#parked.set(requestId, parked);

    const sources = permission === 'denied' ? [] : await this.#listSources();
    if (!this.#parked.has(requestId)) return; // settled while listing (window closed, superseded)
    this.#remember(parked, sources);
    const payload: ScreenPickerRequest = {
      requestId,
      sources,
      systemAudioAvailable: parked.systemAudioAvailable,
      ...(permission === null ? {} : { screenRecordingPermission: permission }),
    };
    parked.renderer.send('desktop:screen-picker:request', payload);
  }

  choose(choice: ScreenPickerChoice, fromWebContentsId: number): Result<undefined> {
    const parked = this.#parked.get(choice.requestId);
    if (!parked || parked.renderer.id !== fromWebContentsId) {
      return fail('not_found', 'This screen-sharing request is no longer open.');
    }
    if (choice.sourceId === null) {
      this.#settle(parked, null, 'cancelled');
      return okVoid;
    }
    const source = parked.sources.get(choice.sourceId);
    if (!source) return fail('bad_request', 'sourceId: not one of the offered screens or windows.');
    const withAudio = choice.withSystemAudio && parked.systemAudioAvailable;
    this.#settle(
      parked,
      { video: { id: source.id, name: source.name }, ...(withAudio ? { audio: 'loopback' } : {}) },
      'chosen',
    );
    return okVoid;
  }

  /** The window behind a renderer closed or crashed: its requests resolve as cancelled. */
  rendererGone(webContentsId: number): void {
    for (const parked of [...this.#parked.values()]) {
      if (parked.renderer.id === webContentsId) this.#settle(parked, null, 'window-closed');
    }
  }

  dispose(): void {
    for (const parked of [...this.#parked.values()]) this.#settle(parked, null, 'shutdown');
  }

  async #answerWithSystemPicker(rendererId: number, grant: GrantCallback): Promise<void> {
    let chosen: CapturerSource | undefined;
    try {
      [chosen] = await this.#deps.getSources({ ...SOURCE_QUERY, fetchWindowIcons: false });
    } catch (error) {
      this.#deps.log.warn('screen picker: system picker failed', { error: errorMessage(error) });
    }
    this.#grant(
      rendererId,
      grant,
      chosen ? { video: { id: chosen.id, name: chosen.name } } : null,
      'system-picker',
    );
  }

  /** Answers Electron; a capture actually handed over is reported to the sharing indicator. */
  #grant(rendererId: number, grant: GrantCallback, streams: GrantedStreams | null, reason: string): void {
    try {
      grant(streams);
    } catch (error) {
      // Electron throws when the requesting frame is already gone; the request is over either way.
      this.#deps.log.warn('screen picker: could not resolve request', { reason, error: errorMessage(error) });
      return;
    }
    if (streams) this.#deps.onCaptureGranted(rendererId, streams.video.name);
  }

  async #listSources(): Promise<DesktopSource[]> {
    try {
      return toPickerSources(await this.#deps.getSources(SOURCE_QUERY), this.#deps.ownWindowSourceIds());
    } catch (error) {
      this.#deps.log.warn('screen picker: listing sources failed', { error: errorMessage(error) });
      return [];
    }
  }

  #remember(parked: ParkedRequest, sources: DesktopSource[]): void {
    parked.sources = new Map(sources.map((s) => [s.id, s]));
    parked.lastSentSignature = JSON.stringify(sources);
  }

  async #refresh(requestId: string): Promise<void> {
    const parked = this.#parked.get(requestId);
    // A slow listing must not pile up behind the next tick.
    if (!parked || parked.refreshing) return;
    parked.refreshing = true;
    try {
      const sources = await this.#listSources();
      if (!this.#parked.has(requestId)) return;
      // Unchanged lists (a still screen, same windows) are not re-sent: thumbnails make them large.
      if (JSON.stringify(sources) === parked.lastSentSignature) return;
      this.#remember(parked, sources);
      parked.renderer.send('desktop:screen-picker:sources', {
        requestId,
        sources,
        systemAudioAvailable: parked.systemAudioAvailable,
      });
    } finally {
      parked.refreshing = false;
    }
  }

  #settleById(requestId: string, reason: string): void {
    const parked = this.#parked.get(requestId);
    if (parked) this.#settle(parked, null, reason);
  }

  #settle(parked: ParkedRequest, streams: GrantedStreams | null, reason: string): void {
    this.#parked.delete(parked.requestId);
    clearInterval(parked.refreshTimer);
    clearTimeout(parked.timeoutTimer);
    if (reason !== 'chosen' && reason !== 'cancelled' && reason !== 'window-closed') {
      parked.renderer.send('desktop:screen-picker:closed', { requestId: parked.requestId });
    }
    this.#grant(parked.renderer.id, parked.grant, streams, reason);
  }
}
