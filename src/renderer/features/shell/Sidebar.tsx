import { useAppStore, useRuntime } from '../../app/context.ts';
import { unseenMissedCount } from '../../store/history.slice.ts';
import type { View } from '../../store/ui.slice.ts';
import { Avatar } from '../../ui/Avatar.tsx';
import { Icon } from '../../ui/Icon.tsx';
import type { IconName } from '../../ui/Icon.tsx';

const NAV: { view: View; label: string; icon: IconName }[] = [
  { view: 'contacts', label: 'Contacts', icon: 'users' },
  { view: 'history', label: 'Calls', icon: 'history' },
  { view: 'settings', label: 'Settings', icon: 'settings' },
];

const CONNECTION_TEXT = { online: 'Online', connecting: 'Connecting…', offline: 'Offline' } as const;

export function Sidebar() {
  const runtime = useRuntime();
  const view = useAppStore((s) => s.ui.view);
  const navigated = useAppStore((s) => s.navigated);
  const user = useAppStore((s) => s.session.user);
  const connection = useAppStore((s) => s.session.connection);
  const missed = useAppStore((s) => unseenMissedCount(s.history.entries));

  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        CallBridge
      </div>
      <ul className="nav">
        {NAV.map((item) => (
          <li key={item.view}>
            <button
              className={view === item.view ? 'nav-item active' : 'nav-item'}
              aria-current={view === item.view ? 'page' : undefined}
              onClick={() => navigated(item.view)}
              data-testid={`nav-${item.view}`}
            >
              <Icon name={item.icon} />
              <span>{item.label}</span>
              {item.view === 'history' && missed > 0 && (
                <span className="badge" data-testid="missed-badge" aria-label={`${missed} missed`}>
                  {missed}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
      {user && (
        <div className="me">
          <Avatar name={user.name} seed={user.id} size="sm" />
          <div className="me-text">
            <strong>{user.name}</strong>
            <span className={`presence presence-${connection}`}>{CONNECTION_TEXT[connection]}</span>
          </div>
          <button
            className="icon-btn"
            title="Sign out"
            aria-label="Sign out"
            onClick={() => runtime.signOut()}
          >
            <Icon name="logout" size={18} />
          </button>
        </div>
      )}
    </nav>
  );
}
