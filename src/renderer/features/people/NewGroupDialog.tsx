import { useState } from 'react';
import type { FormEvent } from 'react';
import { MAX_CONVERSATION_MEMBERS } from '../../../shared/protocol/index.ts';
import type { UserDto } from '../../../shared/protocol/index.ts';
import { useRuntime, useSession } from '../../app/context.ts';
import { errorMessage } from '../../signaling/restClient.ts';
import { Avatar } from '../../ui/Avatar.tsx';
import { Modal } from '../../ui/Modal.tsx';
import { createGroup } from './directoryActions.ts';

export function NewGroupDialog({ users, onClose }: { users: UserDto[]; onClose: () => void }) {
  const runtime = useRuntime();
  const { api } = useSession();
  const [title, setTitle] = useState('');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const full = selected.size >= MAX_CONVERSATION_MEMBERS - 1;

  function toggle(id: string) {
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (selected.size < 2) return setError('Pick at least two people for a group');
    setBusy(true);
    try {
      await createGroup(api, runtime.store, [...selected], title);
      onClose();
    } catch (error) {
      setError(errorMessage(error));
      setBusy(false);
    }
  }

  return (
    <Modal title="New group" onClose={onClose}>
      <form onSubmit={submit} className="dialog-form" data-testid="new-group-dialog">
        <label className="field">
          <span>Group name (optional)</span>
          <input
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            maxLength={100}
            placeholder="Design review"
          />
        </label>
        <p className="muted">
          Members · {selected.size} selected
          {full ? ` (a call holds at most ${MAX_CONVERSATION_MEMBERS} people)` : ''}
        </p>
        <ul className="pick-list">
          {users.map((u) => (
            <li key={u.id}>
              <label className="pick-row">
                <input
                  type="checkbox"
                  checked={selected.has(u.id)}
                  disabled={full && !selected.has(u.id)}
                  onChange={() => toggle(u.id)}
                  data-email={u.email}
                />
                <Avatar name={u.name} seed={u.id} size="sm" />
                <span>{u.name}</span>
                <span className="muted">{u.email}</span>
              </label>
            </li>
          ))}
        </ul>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="create-group">
            Create group
          </button>
        </div>
      </form>
    </Modal>
  );
}
