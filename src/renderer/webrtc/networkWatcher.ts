/** `navigator.connection` (Network Information API) is Chromium-only and not in TypeScript's DOM library. */
type NavigatorWithConnection = Navigator & { connection?: EventTarget };

/**
 * Calls `onChange` when the machine's network changes: back online, or a different connection type
 * (Wi-Fi to Ethernet, VPN up). Existing ICE paths may be dead or no longer the best then. Returns a disposer.
 */
export function watchNetworkChanges(onChange: () => void): () => void {
  const connection = (navigator as NavigatorWithConnection).connection;
  window.addEventListener('online', onChange);
  connection?.addEventListener('change', onChange);
  return () => {
    window.removeEventListener('online', onChange);
    connection?.removeEventListener('change', onChange);
  };
}
