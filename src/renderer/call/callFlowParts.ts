import type { DesktopApi } from '../../shared/desktopApi.ts';
import type { RestClient } from '../signaling/restClient.ts';
import type { SignalingClient } from '../signaling/socketClient.ts';
import type { AppStore } from '../store/appStore.ts';
import type { CallContext } from './callContext.ts';
import { historyEntryOf } from './callHistory.ts';
import type { CallOutcome } from './callHistory.ts';
import type { EngineFactory, EngineHost } from './engineHost.ts';
import type { IceServerPrefetch } from './iceServerPrefetch.ts';
import type { LocalMediaControl } from './localMediaControl.ts';
import type { MediaRegistry } from './mediaRegistry.ts';

export interface CallControllerDeps {
  store: AppStore;
  api: RestClient;
  signaling: SignalingClient;
  desktop: DesktopApi;
  media: MediaRegistry;
  createEngine: EngineFactory;
  deviceId: string;
  selfId: string;
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Called after the device list may have changed (labels appear once media permission is granted). */
  refreshDevices?: () => void;
  /** Called once a call's outcome is final on the server (hung up, ended, declined, missed): history changed. */
  onCallSettled?: () => void;
  /** Extra: every audio-level sample of the current call (0..1 by user id, mine included). */
  onAudioLevels?: (levels: Readonly<Record<string, number>>) => void;
  now?: () => number;
}

/** What the flows of the call controller share: its dependencies and the parts it built from them. */
export interface CallFlowParts {
  readonly deps: CallControllerDeps;
  readonly ctx: CallContext;
  readonly host: EngineHost;
  readonly iceServers: IceServerPrefetch;
  readonly media: LocalMediaControl;
  readonly now: () => number;
}

/** Writes the call's outcome to the local history. */
export function recordCall(parts: CallFlowParts, outcome: CallOutcome): void {
  void parts.deps.desktop.recordCall(historyEntryOf(outcome, parts.now()));
}
