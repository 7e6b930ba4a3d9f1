// An instance's status history: its events (created, started, each status with its reason,
// input, results), read a page at a time and appended to as new ones arrive. Newest first.
import { useEffect, useRef, useState } from 'react';
import { entityEvents, type HistoryEvent } from './api/lists';
import { live } from './live';
import { Badge, errorText } from './ui';

const KEEP = 500;

export function InstanceHistory({ instanceId }: { instanceId: string }) {
  const [events, setEvents] = useState<HistoryEvent[]>();
  const [error, setError] = useState<string>();
  const lastId = useRef(0);

  useEffect(() => {
    let stopped = false;
    let running = false;
    let again = false;
    async function pull() {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        for (let page = 0; page < 20 && !stopped; page++) {
          const batch = await entityEvents(instanceId, lastId.current);
          if (stopped) return;
          setError(undefined);
          if (batch.length) lastId.current = batch[batch.length - 1].id;
          setEvents((old) => [...(old ?? []), ...batch].slice(-KEEP));
          if (batch.length < 1000) break;
        }
      } catch (err) {
        if (!stopped) setError(errorText(err));
      } finally {
        running = false;
        if (again && !stopped) {
          again = false;
          void pull();
        }
      }
    }
    void pull();
    const unsubscribe = live.subscribe((e) => {
      if (e === null || e.entity_id === instanceId) void pull();
    });
    return () => {
      stopped = true;
      unsubscribe();
    };
  }, [instanceId]);

  if (!events) return <p className={error ? 'error' : 'muted'}>{error ?? 'Loading…'}</p>;
  return (
    <ol className="history" data-testid="instance-history" reversed>
      {events.length === 0 && <li className="muted">No events yet.</li>}
      {[...events].reverse().map((e) => (
        <li key={e.id} data-testid="history-item" data-kind={e.kind} data-status={String(e.data?.status ?? '')}>
          <time dateTime={e.ts} title={e.ts}>
            {new Date(e.ts).toLocaleTimeString()}
          </time>{' '}
          <HistoryLine event={e} />
        </li>
      ))}
      {error && <li className="error">{error}</li>}
    </ol>
  );
}

function HistoryLine({ event }: { event: HistoryEvent }) {
  const d = event.data ?? {};
  const text = (key: string) => (d[key] == null ? '' : String(d[key]));
  switch (event.kind) {
    case 'instance.status':
      return (
        <>
          <Badge status={text('status')} /> {text('reason')}
        </>
      );
    case 'instance.created':
      return <>created: {[text('agent'), text('mode')].filter(Boolean).join(', ')}</>;
    case 'instance.started':
      return <>started in {text('path') || 'its worktree'}</>;
    case 'instance.input':
      return <>{d.answered ? 'answered' : 'prompt sent'} ({text('chars')} characters)</>;
    case 'instance.result':
      return (
        <>
          turn result{d.is_error ? ' (error)' : ''}
          {d.cost_usd != null ? `, $${Number(d.cost_usd).toFixed(4)} so far` : ''}
        </>
      );
    case 'instance.dialog':
      return <>dialog answered: {text('answered')}</>;
    case 'instance.restart_failed':
      return <span className="error">restart failed: {text('error')}</span>;
    default:
      return <>{event.kind.replace(/^instance\./, '').replace(/_/g, ' ')}</>;
  }
}
