/**
 * The renderer's composition root: builds the platform, the store and, once signed in, the session's
 * services (REST client, signaling socket, call controller). Everything else receives what it needs from here.
 */
import { ScreenPickerRequest, Settings } from '../../shared/desktopApi.ts';
import type { DesktopApi, SettingsPatch, ShellAction, StoredSession } from '../../shared/desktopApi.ts';
import type { LoginRequest, RegisterRequest, UserDto } from '../../shared/protocol/index.ts';
import { CallController } from '../call/callController.ts';
import { CallFloor } from '../call/callFloor.ts';
import type { EngineFactory } from '../call/callController.ts';
import { MediaRegistry } from '../call/mediaRegistry.ts';
import { loadHistory } from '../features/history/historyActions.ts';
import { loadDirectory } from '../features/people/directoryActions.ts';
import { followOngoingCalls } from '../features/people/ongoingCalls.ts';
import { trackDisplayCaptures, type DisplayCaptureTracker } from '../platform/displayCaptureTracker.ts';
import { getDesktopApi } from '../platform/getDesktopApi.ts';
import { getOrCreateDeviceId } from '../signaling/deviceId.ts';
import { ApiRequestError, createRestClient, errorMessage } from '../signaling/restClient.ts';
import type { RestClient } from '../signaling/restClient.ts';
import { connectSignaling } from '../signaling/socketClient.ts';
import type { SignalingClient } from '../signaling/socketClient.ts';
import { createAppStore } from '../store/appStore.ts';
import type { AppStore } from '../store/appStore.ts';
import { readStoredSession, writeStoredSession } from './storedSession.ts';

export interface SessionServices {
  api: RestClient;
  signaling: SignalingClient;
  calls: CallController;
  /** Raised hands and reactions of the current call. */
  floor: CallFloor;
  selfId: string;
}

export interface RuntimeOptions {
  createEngine: EngineFactory;
  /** 'relay' forces every call through TURN (the `?relay=1` diagnostic and the relay-only test). */
  iceTransportPolicy?: RTCIceTransportPolicy;
}

export type AuthForm = { mode: 'login'; body: LoginRequest } | { mode: 'register'; body: RegisterRequest };

export class AppRuntime {
  readonly store: AppStore = createAppStore();
  readonly media = new MediaRegistry();
  readonly desktop: DesktopApi;
  readonly #deviceId: string;
  readonly #options: RuntimeOptions;
  #services: SessionServices | null = null;
  #sessionTeardown: (() => void)[] = [];
  #listeners = new Set<() => void>();
  #booting: Promise<void> | null = null;
  readonly #captures: DisplayCaptureTracker | null;

  constructor(options: RuntimeOptions) {
    this.#options = options;
    this.desktop = getDesktopApi(
      () => this.#services && { api: this.#services.api, selfId: this.#services.selfId },
    );
    // A desktop install is one device for good; a browser tab is one device for as long as it lives.
    this.#deviceId = getOrCreateDeviceId(
      this.desktop.platform === 'electron' ? localStorage : sessionStorage,
    );
    // The desktop's sharing indicator (main process) learns from here when each capture has ended.
    const reportEnded = this.desktop.reportScreenShareEnded;
    this.#captures =
      reportEnded && navigator.mediaDevices
        ? trackDisplayCaptures(navigator.mediaDevices, () => void reportEnded())
        : null;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  };

  getServices = (): SessionServices | null => this.#services;

  /** Loads settings and restores a saved session. Idempotent (React's StrictMode runs effects twice). */
  boot(): Promise<void> {
    this.#booting ??= this.#boot();
    return this.#booting;
  }

  async #boot(): Promise<void> {
    const settings = await this.desktop.getSettings();
    if (!settings.ok) throw new Error(`Settings could not be read: ${settings.error.message}`);
    this.store.getState().settingsLoaded(settings.value);
    this.desktop.onScreenPickerRequest((request) => {
      const parsed = ScreenPickerRequest.safeParse(request);
      if (parsed.success) this.store.getState().screenPickerOpened(parsed.data);
    });
    this.desktop.onScreenPickerSources((request) => {
      const parsed = ScreenPickerRequest.safeParse(request);
      if (parsed.success) this.store.getState().screenPickerSourcesUpdated(parsed.data);
    });
    // A parked request can end in main (timeout, window closed) without our answer: the picker must go too.
    this.desktop.onScreenPickerClosed?.((requestId) => {
      if (this.store.getState().ui.screenPicker?.requestId === requestId)
        this.store.getState().screenPickerClosed();
    });
    // Settings changed from the tray (Do Not Disturb...) must show here at once.
    this.desktop.onSettingsChanged?.((changed) => {
      const parsed = Settings.safeParse(changed);
      if (parsed.success) this.store.getState().settingsLoaded(parsed.data);
    });
    this.desktop.onShellAction((action) => this.#onShellAction(action));
    this.desktop.onScreenShareStopRequested?.(() => void this.#stopScreenShare());

    const stored = await this.#savedSession();
    if (!stored) return;
    const api = createRestClient({ baseUrl: stored.serverUrl, getToken: () => stored.token });
    try {
      const { user } = await api.me();
      this.#open(stored.serverUrl, stored.token, user);
    } catch (error) {
      if (error instanceof ApiRequestError && error.code === 'unauthorized') void this.desktop.clearSession();
      this.store.getState().toastShown('warning', `Could not restore your session: ${errorMessage(error)}`);
    }
  }

  async #savedSession(): Promise<StoredSession | null> {
    if (this.desktop.platform === 'electron') {
      // Versions before the session moved to the main process kept it in the page's localStorage: hand it
      // over (main keeps it only for the configured server) and remove it from the page either way.
      const legacy = readStoredSession(localStorage);
      if (legacy) {
        writeStoredSession(localStorage, null);
        const current = await this.desktop.loadSession();
        if (current.ok && current.value === null) await this.desktop.saveSession(legacy);
      }
    }
    const saved = await this.desktop.loadSession();
    return saved.ok ? saved.value : null;
  }

  /** The server this client talks to: the page's own origin on the web, the configured one on the desktop. */
  serverUrl(): string | null {
    if (this.desktop.platform === 'web') return window.location.origin;
    return this.store.getState().settings?.serverUrl ?? null;
  }

  /**
   * Signs in or registers with the configured server; resolves with an error message for the form, or null
   * on success. (On the desktop the server is chosen first, see SignInScreen: the page may only reach the
   * configured one.)
   */
  async authenticate(form: AuthForm): Promise<string | null> {
    const serverUrl = this.serverUrl();
    if (!serverUrl) return 'Choose your server first';
    const api = createRestClient({ baseUrl: serverUrl, getToken: () => null });
    try {
      const auth = form.mode === 'login' ? await api.login(form.body) : await api.register(form.body);
      const saved = await this.desktop.saveSession({ serverUrl: api.baseUrl, token: auth.token });
      if (!saved.ok) {
        this.store
          .getState()
          .toastShown('warning', `You will have to sign in again next time: ${saved.error.message}`);
      } else if (!saved.value.persisted) {
        this.store
          .getState()
          .toastShown('warning', `You will have to sign in again next time. ${saved.value.reason}`);
      }
      this.#open(api.baseUrl, auth.token, auth.user);
      return null;
    } catch (error) {
      return errorMessage(error);
    }
  }

  signOut(reason?: string): void {
    this.#close();
    void this.desktop.clearSession();
    this.store.getState().signedOut();
    if (reason) this.store.getState().toastShown('warning', reason);
  }

  /**
   * Desktop: makes `serverUrl` the configured server. Main signs out (a token belongs to its server) and
   * reloads the app under the new server's CSP, so on success this page is about to go. Resolves with an
   * error message, or null.
   */
  async switchServer(serverUrl: string): Promise<string | null> {
    const result = await this.desktop.updateSettings({ serverUrl });
    if (!result.ok) return result.error.message.replace(/^serverUrl: /, '');
    this.store.getState().settingsLoaded(result.value);
    return null;
  }

  async updateSettings(patch: SettingsPatch): Promise<void> {
    const result = await this.desktop.updateSettings(patch);
    if (result.ok) this.store.getState().settingsLoaded(result.value);
    else this.store.getState().toastShown('error', `Settings not saved: ${result.error.message}`);
  }

  async refreshDevices(): Promise<void> {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    const devices = await navigator.mediaDevices.enumerateDevices();
    this.store.getState().devicesListed(devices);
  }

  #open(serverUrl: string, token: string, user: UserDto): void {
    this.#close();
    const { store, desktop } = this;
    const api = createRestClient({
      baseUrl: serverUrl,
      getToken: () => token,
      onUnauthorized: () => this.signOut('Your session expired. Please sign in again.'),
    });
    const signaling = connectSignaling({ serverUrl, token, deviceId: this.#deviceId });
    const reloadHistory = () => void loadHistory({ api, desktop, store, selfId: user.id });
    const floor = new CallFloor({ store, api, signaling, selfId: user.id });
    const calls = new CallController({
      store,
      api,
      signaling,
      desktop,
      media: this.media,
      createEngine: this.#options.createEngine,
      deviceId: this.#deviceId,
      selfId: user.id,
      ...(this.#options.iceTransportPolicy ? { iceTransportPolicy: this.#options.iceTransportPolicy } : {}),
      refreshDevices: () => void this.refreshDevices(),
      onCallSettled: reloadHistory,
      onAudioLevels: (levels) => floor.onAudioLevels(levels),
    });
    store.getState().signedIn({ serverUrl, token, user });
    calls.start();
    floor.start();

    let resumed = false;
    const onDeviceChange = () => void this.refreshDevices();
    navigator.mediaDevices?.addEventListener('devicechange', onDeviceChange);
    this.#sessionTeardown = [
      signaling.onStatus((status, reason) => {
        store.getState().connectionChanged(status);
        if (reason === 'unauthorized') this.signOut('Your session expired. Please sign in again.');
        // Offers from peers reach this device only once its socket is up, so the call is resumed after it.
        if (status === 'online' && !resumed) {
          resumed = true;
          void calls.resumeActiveCall();
        }
      }),
      () => navigator.mediaDevices?.removeEventListener('devicechange', onDeviceChange),
      followOngoingCalls(api, signaling, store),
      () => floor.dispose(),
      () => calls.dispose(),
      () => signaling.close(),
    ];
    this.#services = { api, signaling, calls, floor, selfId: user.id };
    this.#notify();
    void loadDirectory(api, store);
    reloadHistory();
    void this.refreshDevices();
  }

  #close(): void {
    for (const teardown of this.#sessionTeardown.splice(0)) teardown();
    if (this.#services) {
      this.#services = null;
      this.#notify();
    }
  }

  #onShellAction(action: ShellAction): void {
    const calls = this.#services?.calls;
    switch (action.type) {
      case 'answer':
        if (this.store.getState().call.incoming?.callId === action.callId)
          void calls?.answer(action.withVideo);
        return;
      case 'decline':
        if (this.store.getState().call.incoming?.callId === action.callId) void calls?.decline();
        return;
      case 'call-back':
        void calls?.callBack(action.callId);
        return;
      case 'toggle-mute':
        calls?.toggleMute();
        return;
      case 'open-history':
        this.store.getState().navigated('history');
        return;
    }
  }

  /** Stop in the desktop's sharing indicator: the call stops its share, and no capture may outlive it. */
  async #stopScreenShare(): Promise<void> {
    const calls = this.#services?.calls;
    if (calls && this.store.getState().call.current?.local.screenSharing) await calls.toggleScreenShare();
    this.#captures?.stopAll();
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
