// Small shared pieces: status badges, action buttons with error toasts, formatting.
import { useEffect, useState, type ReactNode } from 'react';
import { ApiError, type InstanceStatus, type TaskStatus } from './api/client';
import { live } from './live';

export const TASK_STATUSES: TaskStatus[] = [
  'needs_input',
  'running',
  'review',
  'ready',
  'pending',
  'blocked',
  'failed',
  'done',
  'cancelled',
];

/** The board's columns: the flow of a task, left to right; off the happy path after review. */
export const BOARD_FLOW: TaskStatus[] = [
  'pending',
  'blocked',
  'ready',
  'running',
  'needs_input',
  'review',
  'failed',
  'done',
  'cancelled',
];

/** Waiting for you first, then working, then the rest; ended last. */
export const INSTANCE_ORDER: InstanceStatus[] = [
  'waiting_input',
  'working',
  'starting',
  'idle',
  'failed',
  'exited',
  'stopped',
];

export function label(status: string): string {
  return status.replace('_', ' ');
}

export function Badge({ status, testid }: { status: string; testid?: string }) {
  return (
    <span className={`badge s-${status}`} data-testid={testid} data-status={status}>
      {label(status)}
    </span>
  );
}

/** "1 file", "2 files": a count with its noun in the right form. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function money(usd: number | null | undefined): string {
  return `$${(usd ?? 0).toFixed(usd && usd >= 10 ? 2 : 4)}`;
}

export function ago(ts: string | null | undefined): string {
  if (!ts) return '';
  const seconds = Math.max(0, (Date.now() - new Date(ts).getTime()) / 1000);
  if (seconds < 60) return `${Math.round(seconds)}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}

// ---------------------------------------------------------------- toasts
interface Toast {
  id: number;
  text: string;
  kind: 'error' | 'info';
}
let toastSeq = 0;
const toastListeners = new Set<(toasts: Toast[]) => void>();
let toasts: Toast[] = [];

export function notify(text: string, kind: Toast['kind'] = 'error'): void {
  const toast = { id: ++toastSeq, text, kind };
  toasts = [...toasts.slice(-3), toast];
  toastListeners.forEach((l) => l(toasts));
  window.setTimeout(() => dismiss(toast.id), kind === 'error' ? 8000 : 3000);
}

function dismiss(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  toastListeners.forEach((l) => l(toasts));
}

export function Toasts() {
  const [items, setItems] = useState(toasts);
  useEffect(() => {
    toastListeners.add(setItems);
    return () => {
      toastListeners.delete(setItems);
    };
  }, []);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {items.map((t) => (
        <div key={t.id} className={`toast ${t.kind}`} data-testid="toast" onClick={() => dismiss(t.id)}>
          {t.text}
        </div>
      ))}
    </div>
  );
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.hint ? `${err.message} (${err.hint})` : err.message;
  return err instanceof Error ? err.message : String(err);
}

/** Run an API action: errors become a toast, success refreshes the views. */
export async function act<T>(what: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    const result = await run();
    live.refresh();
    return result;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) notify(`${what}: ${errorText(err)}`);
    return undefined;
  }
}

export function ActionButton({
  children,
  run,
  testid,
  kind,
  title,
}: {
  children: ReactNode;
  run: () => Promise<unknown>;
  testid: string;
  kind?: 'primary' | 'danger';
  title?: string;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className={kind}
      data-testid={testid}
      disabled={busy}
      title={title}
      onClick={async () => {
        setBusy(true);
        try {
          await run();
        } finally {
          setBusy(false);
        }
      }}
    >
      {children}
    </button>
  );
}

export function Loading({ error }: { error?: Error }) {
  return error ? (
    <p className="error" data-testid="load-error">
      {errorText(error)}
    </p>
  ) : (
    <p className="muted">Loading…</p>
  );
}

/** One name: value pair of a page's facts grid. */
export function Fact({ name, value }: { name: string; value: ReactNode }) {
  return (
    <div>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </div>
  );
}
