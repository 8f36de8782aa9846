import { useEffect, useState } from 'react';
import { errorMessage } from '../signaling/restClient.ts';
import { HistoryScreen } from '../features/history/HistoryScreen.tsx';
import { IncomingCallScreen } from '../features/incoming/IncomingCallScreen.tsx';
import { InCallScreen } from '../features/in-call/InCallScreen.tsx';
import { ContactsScreen } from '../features/people/ContactsScreen.tsx';
import { OngoingCallBanner } from '../features/people/OngoingCallBanner.tsx';
import { ScreenPickerModal } from '../features/screen-picker/ScreenPickerModal.tsx';
import { SettingsScreen } from '../features/settings/SettingsScreen.tsx';
import { Sidebar } from '../features/shell/Sidebar.tsx';
import { SignInScreen } from '../features/sign-in/SignInScreen.tsx';
import { Toasts } from '../features/toasts/Toasts.tsx';
import { useAppStore, useRuntime, useServices } from './context.ts';

export function App() {
  const runtime = useRuntime();
  const [boot, setBoot] = useState<{ state: 'booting' | 'ready' } | { state: 'failed'; message: string }>({
    state: 'booting',
  });
  useEffect(() => {
    runtime.boot().then(
      () => setBoot({ state: 'ready' }),
      (error: unknown) => setBoot({ state: 'failed', message: errorMessage(error) }),
    );
  }, [runtime]);
  const services = useServices();

  if (boot.state === 'booting') return <div className="splash" aria-busy="true" />;
  if (boot.state === 'failed') {
    return (
      <main className="splash">
        <p className="error-text">CallBridge could not start: {boot.message}</p>
      </main>
    );
  }
  return (
    <>
      {services ? <SignedIn /> : <SignInScreen />}
      <Toasts />
    </>
  );
}

function SignedIn() {
  const inCall = useAppStore((s) => s.call.current !== null);
  const ringing = useAppStore((s) => s.call.incoming !== null);
  return (
    <>
      {inCall ? <InCallScreen /> : <MainShell />}
      {ringing && <IncomingCallScreen />}
      <ScreenPickerModal />
    </>
  );
}

function MainShell() {
  const view = useAppStore((s) => s.ui.view);
  return (
    <div className="shell">
      <Sidebar />
      <main className="shell-main">
        <OngoingCallBanner />
        {view === 'contacts' && <ContactsScreen />}
        {view === 'history' && <HistoryScreen />}
        {view === 'settings' && <SettingsScreen />}
      </main>
    </div>
  );
}
