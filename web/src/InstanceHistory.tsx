// An instance's status history: its events (created, started, each status with its reason,
// input, results), read a page at a time and appended to as new ones arrive. Newest first.
// Each line reads its event's payload as its kind's type (api/events.ts, generated).
import { useEffect, useRef, useState } from 'react';
import { known } from './api/events';
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
  const e = known(event);
  switch (e?.kind) {
    case 'instance.status':
      return (
        <>
          <Badge status={e.data.status} /> {e.data.reason}
        </>
      );
    case 'instance.created':
      return <>created: {[e.data.agent, e.data.mode].filter(Boolean).join(', ')}</>;
    case 'instance.started':
      return <>started in {e.data.path || 'its worktree'}</>;
    case 'instance.input':
      return <>{e.data.answered ? 'answered' : 'prompt sent'} ({e.data.chars} characters)</>;
    case 'instance.result':
      return (
        <>
          turn result{e.data.is_error ? ' (error)' : ''}
          {e.data.cost_usd != null ? `, $${e.data.cost_usd.toFixed(4)} so far` : ''}
        </>
      );
    case 'instance.dialog':
      return <>dialog answered: {e.data.answered}</>;
    case 'instance.restart_failed':
      return <span className="error">restart failed: {e.data.error}</span>;
    default:
      return <>{event.kind.replace(/^instance\./, '').replace(/_/g, ' ')}</>;
  }
}
