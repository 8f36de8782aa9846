import { useEffect } from 'react';
import { useAppStore } from '../../app/context.ts';
import type { Toast } from '../../store/ui.slice.ts';

/** Errors stay a little longer than news: they are read, not glanced at. */
const TOAST_MS: Record<Toast['tone'], number> = { info: 4000, success: 4000, warning: 7000, error: 9000 };

function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  useEffect(() => {
    const timer = setTimeout(() => onDismiss(toast.id), TOAST_MS[toast.tone]);
    return () => clearTimeout(timer);
  }, [toast.id, toast.tone, onDismiss]);
  return (
    <li
      className={`toast toast-${toast.tone}`}
      role={toast.tone === 'error' ? 'alert' : 'status'}
      data-testid="toast"
    >
      <span>{toast.text}</span>
      <button className="toast-close" aria-label="Dismiss" onClick={() => onDismiss(toast.id)}>
        ×
      </button>
    </li>
  );
}

export function Toasts() {
  const toasts = useAppStore((s) => s.ui.toasts);
  const dismiss = useAppStore((s) => s.toastDismissed);
  return (
    <ol className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <ToastItem key={t.id} toast={t} onDismiss={dismiss} />
      ))}
    </ol>
  );
}
