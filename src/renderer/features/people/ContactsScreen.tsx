import { useState } from 'react';
import type { ConversationDto, InitiableCallType, UserDto } from '../../../shared/protocol/index.ts';
import { useAppStore, useRuntime, useSession } from '../../app/context.ts';
import { errorMessage } from '../../signaling/restClient.ts';
import { conversationTitle } from '../../store/directory.slice.ts';
import { Avatar } from '../../ui/Avatar.tsx';
import { Icon } from '../../ui/Icon.tsx';
import { directConversationWith, loadDirectory } from './directoryActions.ts';
import { NewGroupDialog } from './NewGroupDialog.tsx';
import { JoinCallButton, peopleInCall } from './OngoingCallBanner.tsx';

function CallButtons({ label, onCall }: { label: string; onCall: (type: InitiableCallType) => void }) {
  return (
    <div className="row-actions">
      <button
        className="icon-btn"
        title={`Audio call ${label}`}
        aria-label={`Audio call ${label}`}
        onClick={() => onCall('audio')}
        data-testid="call-audio"
      >
        <Icon name="phone" size={18} />
      </button>
      <button
        className="icon-btn icon-btn-accent"
        title={`Video call ${label}`}
        aria-label={`Video call ${label}`}
        onClick={() => onCall('video')}
        data-testid="call-video"
      >
        <Icon name="video" size={18} />
      </button>
    </div>
  );
}

export function ContactsScreen() {
  const runtime = useRuntime();
  const { api, calls, selfId } = useSession();
  const directory = useAppStore((s) => s.directory);
  const ongoing = useAppStore((s) => s.groupCall.ongoing);
  const [query, setQuery] = useState('');
  const [creatingGroup, setCreatingGroup] = useState(false);
  const needle = query.trim().toLowerCase();
  const matches = (text: string) => !needle || text.toLowerCase().includes(needle);

  const groups = directory.conversations.filter((c) => c.isGroup && matches(conversationTitle(c, selfId)));
  const people = directory.users.filter((u) => matches(u.name) || matches(u.email));

  async function callPerson(user: UserDto, type: InitiableCallType) {
    try {
      const conversation = await directConversationWith(api, runtime.store, selfId, user.id);
      await calls.startCall(conversation.id, type, user.name);
    } catch (error) {
      runtime.store.getState().toastShown('error', `Could not call ${user.name}: ${errorMessage(error)}`);
    }
  }

  const callGroup = (conversation: ConversationDto, type: InitiableCallType) =>
    void calls.startCall(conversation.id, type, conversationTitle(conversation, selfId));

  return (
    <section className="page" data-testid="contacts">
      <header className="page-header">
        <div>
          <h1>Contacts</h1>
          <p className="muted">Call anyone on this server, or start a group call.</p>
        </div>
        <button className="btn btn-primary" onClick={() => setCreatingGroup(true)} data-testid="new-group">
          <Icon name="plus" size={18} /> New group
        </button>
      </header>
      <label className="search">
        <Icon name="search" size={18} />
        <input
          placeholder="Search people and groups"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          aria-label="Search"
        />
      </label>

      {directory.status === 'error' && (
        <div className="inline-error" role="alert">
          <span>{directory.error}</span>
          <button className="btn btn-ghost" onClick={() => void loadDirectory(api, runtime.store)}>
            Retry
          </button>
        </div>
      )}

      {groups.length > 0 && (
        <>
          <h2 className="section-title">Groups</h2>
          <ul className="list" data-testid="groups">
            {groups.map((c) => {
              const title = conversationTitle(c, selfId);
              const call = ongoing[c.id];
              return (
                <li key={c.id} className="list-row" data-testid="group-row" data-in-call={Boolean(call)}>
                  <span className="avatar-stack">
                    {c.members
                      .filter((m) => m.id !== selfId)
                      .slice(0, 3)
                      .map((m) => (
                        <Avatar key={m.id} name={m.name} seed={m.id} size="sm" />
                      ))}
                  </span>
                  <div className="row-text">
                    <strong>{title}</strong>
                    {call ? (
                      <span className="row-live" data-testid="group-row-call">
                        Call in progress · {peopleInCall(call)}
                      </span>
                    ) : (
                      <span className="muted">{c.members.length} members</span>
                    )}
                  </div>
                  {call && !call.joinedUserIds.includes(selfId) ? (
                    <JoinCallButton call={call} title={title} testId="group-row-join" />
                  ) : (
                    <CallButtons label={title} onCall={(type) => callGroup(c, type)} />
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}

      <h2 className="section-title">People</h2>
      {directory.status === 'ready' && people.length === 0 && (
        <p className="empty">
          {needle ? 'Nobody matches your search.' : 'Nobody else has an account on this server yet.'}
        </p>
      )}
      <ul className="list" data-testid="people">
        {people.map((user) => (
          <li key={user.id} className="list-row" data-testid="person-row" data-email={user.email}>
            <Avatar name={user.name} seed={user.id} />
            <div className="row-text">
              <strong>{user.name}</strong>
              <span className="muted">{user.email}</span>
            </div>
            <CallButtons label={user.name} onCall={(type) => void callPerson(user, type)} />
          </li>
        ))}
      </ul>
      {creatingGroup && <NewGroupDialog users={directory.users} onClose={() => setCreatingGroup(false)} />}
    </section>
  );
}
