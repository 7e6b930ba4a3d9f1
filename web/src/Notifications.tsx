// What cco told whom: every delivery (failed ones first, each with Retry, and "Retry all
// failed"), and the channels with where they send (scheme and host: never the address).
import { useState } from 'react';
import { api, type Channel, type Delivery, type DeliveryStatus } from './api/client';
import { useResource } from './live';
import { act, ActionButton, ago, Badge, Loading, notify, plural } from './ui';

const STATUSES: DeliveryStatus[] = ['failed', 'pending', 'sent', 'suppressed', 'digested'];
const isDelivery = (e: { entity_type: string }) => e.entity_type === 'delivery';
// a delivery moves without an event of its own (sent, retried later): a slow poll too
const EVERY_MS = 15000;

/** After a retry: now (pending), then again while the daemon sends it (no event says "sent"). */
function reloadAfterRetry(reload: () => void): void {
  reload();
  for (const ms of [1000, 3000, 6000]) window.setTimeout(reload, ms);
}

/** Failed first (they need you), then pending, then the rest; newest first within each. */
export function sortDeliveries(list: Delivery[]): Delivery[] {
  return [...list].sort((a, b) => STATUSES.indexOf(a.status) - STATUSES.indexOf(b.status) || b.id - a.id);
}

export function Notifications() {
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const deliveries = useResource(
    () => api.deliveries({ limit: 200, ...(status ? { status } : {}) }),
    [status],
    isDelivery,
    EVERY_MS,
  );
  const channels = useResource(api.channels, [], isDelivery, EVERY_MS);
  const list = deliveries.data ? sortDeliveries(deliveries.data) : undefined;
  const failed = list?.filter((d) => d.status === 'failed').length ?? 0;

  return (
    <section data-testid="notifications">
      <div className="toolbar">
        <h1>Notifications</h1>
        <div className="actions">
          <label className="inline">
            status
            <select
              data-testid="delivery-filter"
              value={status}
              onChange={(e) => setStatus(e.target.value as DeliveryStatus | '')}
            >
              <option value="">all</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          {failed > 0 && (
            <ActionButton
              testid="retry-all-failed"
              kind="primary"
              run={async () => {
                const done = await act('Retry all failed', api.retryFailed);
                if (done) notify(`queued ${plural(done.length, 'delivery', 'deliveries')} again`, 'info');
                reloadAfterRetry(deliveries.reload);
              }}
            >
              Retry all failed
            </ActionButton>
          )}
        </div>
      </div>
      <Channels channels={channels.data} error={channels.error} />
      {!list ? (
        <Loading error={deliveries.error} />
      ) : list.length === 0 ? (
        <p className="muted" data-testid="no-deliveries">
          {status ? `No ${status} deliveries.` : 'Nothing was sent yet.'}
        </p>
      ) : (
        <div className="deliveries">
          {list.map((d) => (
            <DeliveryCard key={d.id} delivery={d} onRetried={deliveries.reload} />
          ))}
        </div>
      )}
    </section>
  );
}

function DeliveryCard({ delivery: d, onRetried }: { delivery: Delivery; onRetried: () => void }) {
  return (
    <article className={`card s-${d.status}`} data-testid="delivery" data-id={d.id} data-status={d.status}>
      <header className="card-head">
        <span className="title">{d.title || d.kind}</span>
        <Badge status={d.status} testid="delivery-status" />
      </header>
      <p className="meta">
        <code>#{d.id}</code> · {d.channel} · {d.kind.replace('_', ' ')} · {plural(d.attempts, 'attempt')} ·{' '}
        {ago(d.created_at)}
        {d.task_id && (
          <>
            {' '}
            · task <a href={`#/tasks/${d.task_id}`}>{d.task_id}</a>
          </>
        )}
      </p>
      {d.last_error && (
        <p className="reason" data-testid="delivery-error">
          {d.last_error}
        </p>
      )}
      {d.status === 'failed' && (
        <div className="actions">
          <ActionButton
            testid="delivery-retry"
            run={async () => {
              await act('Retry', () => api.retryDelivery(d.id));
              reloadAfterRetry(onRetried);
            }}
          >
            Retry
          </ActionButton>
        </div>
      )}
    </article>
  );
}

function Channels({ channels, error }: { channels?: Channel[]; error?: Error }) {
  if (!channels) return <Loading error={error} />;
  if (channels.length === 0) {
    return (
      <p className="muted" data-testid="no-channels">
        No notification channels: add one under <code>notifications.channels</code> in your config file.
      </p>
    );
  }
  return (
    <div className="channels" data-testid="channels">
      {channels.map((c) => (
        <div key={c.name} className="panel channel" data-testid="channel" data-name={c.name}>
          <div className="card-head">
            <strong>{c.name}</strong>
            <span className="chip">{c.type}</span>
          </div>
          <p className="meta" data-testid="channel-where">
            {c.where}
          </p>
          <p className="meta">
            {c.events.map((e) => e.replace('_', ' ')).join(', ')}
            {c.quiet_hours ? ` · quiet ${c.quiet_hours}` : ''}
            {c.burst ? '' : ' · no burst control'}
          </p>
          <p className="counts" data-testid="channel-counts">
            {STATUSES.filter((s) => c.counts[s]).map((s) => (
              <span key={s} className="count-chip" data-status={s}>
                <Badge status={s} /> {c.counts[s]}
              </span>
            ))}
            {STATUSES.every((s) => !c.counts[s]) && <span className="muted">nothing sent yet</span>}
          </p>
          <div className="actions">
            <ActionButton
              testid="channel-test"
              title="Send a test message to this channel now"
              run={async () => {
                const outcomes = await act('Test', () => api.testNotifications(c.name));
                const o = outcomes?.[0];
                if (o?.sent) notify(`${c.name}: sent`, 'info');
                else if (o) notify(`${c.name}: not sent: ${o.reason ?? o.delivery.status}`);
              }}
            >
              Send a test
            </ActionButton>
          </div>
        </div>
      ))}
    </div>
  );
}
