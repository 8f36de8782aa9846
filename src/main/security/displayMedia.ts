/**
 * Which getDisplayMedia requests reach the picker at all. Screen sharing needs the user's own click: a page
 * (or a script injected into it) cannot open the picker by itself, as browsers require transient user
 * activation for getDisplayMedia. Only the app's main frame in its own window may ask, and it must ask for
 * video (an audio-only display capture would be system audio with nothing on screen to show for it).
 */
export interface DisplayMediaAsk {
  /** The main frame of one of the app's windows, on the app's origin. */
  fromAppMainFrame: boolean;
  userGesture: boolean;
  videoRequested: boolean;
}

/** Why the request is denied, for the log; null when it may go to the picker. */
export function displayMediaRefusal(ask: DisplayMediaAsk): string | null {
  if (!ask.fromAppMainFrame) return 'not the app’s main frame';
  if (!ask.userGesture) return 'no user gesture';
  if (!ask.videoRequested) return 'no video requested';
  return null;
}
