import { useEffect, useState } from 'react';
import type { DesktopApi, HistoryEntry, HistoryRecording } from '../../../shared/desktopApi.ts';
import { useAppStore, useRuntime, useSession } from '../../app/context.ts';
import type { HistoryFilter } from '../../store/history.slice.ts';
import { errorMessage } from '../../signaling/restClient.ts';
import { Avatar } from '../../ui/Avatar.tsx';
import { Icon } from '../../ui/Icon.tsx';
import { formatDuration } from '../../ui/formatDuration.ts';
import { loadHistory, markHistorySeen } from './historyActions.ts';

const STATUS_TEXT: Record<HistoryEntry['status'], (direction: HistoryEntry['direction']) => string> = {
  answered: (d) => (d === 'incoming' ? 'Incoming' : 'Outgoing'),
  missed: (d) => (d === 'incoming' ? 'Missed' : 'No answer'),
  rejected: (d) => (d === 'incoming' ? 'Declined' : 'Declined by them'),
  failed: () => 'Failed',
};

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

const RECORDING_TEXT: Record<HistoryRecording['state'], string> = {
  // History lists finished calls: a recording still marked running is about to be processed.
  recording: 'Recording being processed',
  stopped: 'Recording being processed',
  processing: 'Recording being processed',
  ready: 'Recording',
  failed: 'Recording failed',
  expired: 'Recording deleted (retention period over)',
};

/**
 * "Save recording" on the desktop: main asks where in a native dialog and downloads the file there itself
 * (see recordingSave.service.ts), rather than Chromium's download of a blob with no say over where it goes.
 */
function SaveRecordingButton({
  recordingUrl,
  saveRecording,
}: {
  recordingUrl: string;
  saveRecording: NonNullable<DesktopApi['saveRecording']>;
}) {
  const [state, setState] = useState<{ kind: 'idle' | 'saving' } | { kind: 'done' | 'error'; text: string }>({
    kind: 'idle',
  });
  const save = async () => {
    setState({ kind: 'saving' });
    const result = await saveRecording(recordingUrl);
    if (!result.ok) setState({ kind: 'error', text: result.error.message });
    else
      setState(
        result.value.saved ? { kind: 'done', text: `Saved as ${result.value.fileName}` } : { kind: 'idle' },
      );
  };
  return (
    <>
      <button
        className="btn btn-ghost"
        onClick={() => void save()}
        disabled={state.kind === 'saving'}
        data-testid="save-recording"
      >
        {state.kind === 'saving' ? 'Saving…' : 'Save recording'}
      </button>
      {state.kind === 'done' && <span role="status">{state.text}</span>}
      {state.kind === 'error' && <span role="alert">{state.text}</span>}
    </>
  );
}

/**
 * A recorded call's row: "Play recording" fetches the file with the session's token (a <video src> cannot
 * send it) and plays it inline, with a way to save it.
 */
function RecordingAction({ recording }: { recording: HistoryRecording }) {
  const { api } = useSession();
  const { desktop } = useRuntime();
  const [state, setState] = useState<
    | { kind: 'idle' }
    | { kind: 'loading' }
    | { kind: 'open'; url: string }
    | { kind: 'error'; message: string }
  >({ kind: 'idle' });
  const openUrl = state.kind === 'open' ? state.url : null;
  useEffect(() => () => void (openUrl !== null && URL.revokeObjectURL(openUrl)), [openUrl]);

  if (recording.url === null) {
    return (
      <span className="history-recording muted" data-testid="history-recording" data-state={recording.state}>
        {recording.message ?? RECORDING_TEXT[recording.state]}
      </span>
    );
  }
  const url = recording.url;
  const open = async () => {
    setState({ kind: 'loading' });
    try {
      setState({ kind: 'open', url: URL.createObjectURL(await api.downloadRecording(url)) });
    } catch (error) {
      setState({ kind: 'error', message: errorMessage(error) });
    }
  };
  return (
    <div className="history-recording" data-testid="history-recording" data-state={recording.state}>
      {state.kind === 'open' ? (
        <>
          <video controls autoPlay src={state.url} data-testid="recording-player" />
          {desktop.saveRecording ? (
            <SaveRecordingButton recordingUrl={url} saveRecording={desktop.saveRecording} />
          ) : (
            <a href={state.url} download="callbridge-recording.webm">
              Save recording
            </a>
          )}
        </>
      ) : (
        <button
          className="btn btn-ghost"
          onClick={() => void open()}
          disabled={state.kind === 'loading'}
          data-testid="open-recording"
        >
          <Icon name="play" size={14} /> {state.kind === 'loading' ? 'Loading…' : 'Play recording'}
        </button>
      )}
      {state.kind === 'error' && <span role="alert">{state.message}</span>}
    </div>
  );
}

function HistoryRow({
  entry,
  onCallBack,
}: {
  entry: HistoryEntry;
  onCallBack: (entry: HistoryEntry) => void;
}) {
  const names = entry.participants.map((p) => p.name).join(', ') || 'Unknown';
  const first = entry.participants[0];
  const missed = entry.status === 'missed' && entry.direction === 'incoming';
  const started = new Date(entry.startedAt);
  return (
    <li
      className={missed ? 'list-row missed' : 'list-row'}
      data-testid="history-row"
      data-status={entry.status}
      data-direction={entry.direction}
      data-call-id={entry.callId}
    >
      <Avatar name={first?.name ?? '?'} seed={first?.userId ?? entry.callId} />
      <div className="row-text">
        <strong>{names}</strong>
        <span className={missed ? 'history-meta missed-text' : 'history-meta muted'}>
          <Icon name={entry.direction === 'incoming' ? 'incoming' : 'outgoing'} size={14} />
          {STATUS_TEXT[entry.status](entry.direction)} {entry.type} call
          {entry.durationSeconds !== null &&
            entry.status === 'answered' &&
            ` · ${formatDuration(entry.durationSeconds)}`}
        </span>
        {entry.recording && <RecordingAction recording={entry.recording} />}
      </div>
      <span className="history-time muted">
        {dayFormat.format(started)}
        <br />
        {timeFormat.format(started)}
      </span>
      <button
        className="icon-btn icon-btn-accent"
        title="Call back"
        aria-label={`Call back ${names}`}
        onClick={() => onCallBack(entry)}
        data-testid="call-back"
      >
        <Icon name={entry.type === 'audio' ? 'phone' : 'video'} size={18} />
      </button>
    </li>
  );
}

export function HistoryScreen() {
  const runtime = useRuntime();
  const { api, calls, selfId } = useSession();
  const history = useAppStore((s) => s.history);
  const deps = { api, desktop: runtime.desktop, store: runtime.store, selfId };

  // Opening the history shows fresh data and counts the missed calls as seen.
  useEffect(() => {
    void loadHistory({ api, desktop: runtime.desktop, store: runtime.store, selfId }).then(() =>
      markHistorySeen(runtime.desktop, runtime.store),
    );
  }, [api, runtime, selfId]);

  const setFilter = (filter: HistoryFilter) => void loadHistory(deps, filter);

  return (
    <section className="page" data-testid="history">
      <header className="page-header">
        <div>
          <h1>Calls</h1>
          <p className="muted">
            Your recent calls{runtime.desktop.platform === 'electron' ? ', kept on this computer too' : ''}.
          </p>
        </div>
        <div className="segmented" role="tablist">
          {(['all', 'missed'] as const).map((f) => (
            <button
              key={f}
              role="tab"
              aria-selected={history.filter === f}
              className={history.filter === f ? 'active' : ''}
              onClick={() => setFilter(f)}
            >
              {f === 'all' ? 'All' : 'Missed'}
            </button>
          ))}
        </div>
      </header>
      {history.status === 'error' && (
        <div className="inline-error" role="alert">
          <span>{history.error}</span>
          <button className="btn btn-ghost" onClick={() => setFilter(history.filter)}>
            Retry
          </button>
        </div>
      )}
      {history.status === 'ready' && history.entries.length === 0 && (
        <p className="empty">
          {history.filter === 'missed' ? 'No missed calls.' : 'No calls yet. Start one from Contacts.'}
        </p>
      )}
      <ul className="list" data-testid="history-list">
        {history.entries.map((entry) => (
          <HistoryRow key={entry.callId} entry={entry} onCallBack={(e) => void calls.callBack(e.callId)} />
        ))}
      </ul>
    </section>
  );
}
