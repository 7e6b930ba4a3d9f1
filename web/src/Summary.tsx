// The fleet at a glance: what needs you first, then daemon, cost and counts by status.
import { api, type Status } from './api/client';
import { useResource } from './live';
import { Badge, INSTANCE_ORDER, Loading, money, plural, TASK_STATUSES } from './ui';

export function Summary() {
  // every event can change a count; the cost also moves without events, hence the slow poll
  const status = useResource(api.status, [], () => true, 15000);
  const s = status.data;
  if (!s) {
    return (
      <section className="summary" data-testid="summary">
        <Loading error={status.error} />
      </section>
    );
  }
  return (
    <section className="summary" data-testid="summary">
      <NeedsYou status={s} />
      <div className="facts-row">
        <span data-testid="daemon" data-state={s.daemon} className={`daemon ${s.daemon}`}>
          daemon {s.daemon}
        </span>
        <span data-testid="total-cost">cost {money(s.cost_usd)}</span>
        <Counts testid="instance-counts" what="instances" counts={s.instances} order={INSTANCE_ORDER} />
        <Counts testid="task-counts" what="tasks" counts={s.tasks} order={TASK_STATUSES} />
        {s.failed_deliveries > 0 && (
          <a href="#/notifications" className="failed-deliveries" data-testid="failed-deliveries">
            ⚠ {plural(s.failed_deliveries, 'notification')} failed
          </a>
        )}
      </div>
    </section>
  );
}

function Counts({
  counts,
  order,
  what,
  testid,
}: {
  counts: Record<string, number>;
  order: string[];
  what: string;
  testid: string;
}) {
  const keys = order.filter((k) => counts[k]);
  return (
    <span className="counts" data-testid={testid}>
      <span className="muted">{what}</span>
      {keys.length === 0 && <span className="muted"> none</span>}
      {keys.map((k) => (
        <span key={k} className="count-chip" data-status={k}>
          <Badge status={k} /> {counts[k]}
        </span>
      ))}
    </span>
  );
}

/** Questions first (an agent waits), then reviews, then failures, then failed notifications;
 * a few, and how many more. */
export const NEEDS_SHOWN = 5;
type Need = Status['needs_you'][number];
// the server lists reviews before failures; a stable sort keeps that order
const rank = (n: Need) => (n.kind === 'instance' ? 0 : n.kind === 'task' ? 1 : 2);
const href = (n: Need) =>
  n.kind === 'task' ? `#/tasks/${n.id}` : n.kind === 'instance' ? `#/instances/${n.id}` : '#/notifications';

function NeedsYou({ status }: { status: Status }) {
  const sorted = [...status.needs_you].sort((a, b) => rank(a) - rank(b));
  // failed notifications are shown whatever else there is: they are easy to miss
  const shown = sorted.filter((n) => n.kind !== 'notifications').slice(0, NEEDS_SHOWN);
  const items = [...shown, ...sorted.filter((n) => n.kind === 'notifications')];
  // the server sends the first few of each kind, and how many there are in all
  const total = Math.max(sorted.length, status.needs_you_total);
  if (total === 0) return null;
  const more = total - items.length;
  return (
    <div className="needs" data-testid="needs-you">
      <h2>Needs you ({total})</h2>
      <ul>
        {items.map((n) => (
          <li key={`${n.kind}-${n.id}`} data-testid="needs-you-item" data-kind={n.kind} data-id={n.id}>
            <a href={href(n)}>
              {n.kind === 'notifications' ? (
                <>
                  <span className="kind">notifications</span> {n.why}
                </>
              ) : (
                <>
                  <span className="kind">{n.kind}</span> <code>{n.id}</code> {n.why}
                </>
              )}
            </a>
          </li>
        ))}
      </ul>
      {more > 0 && (
        <p className="more" data-testid="needs-you-more">
          and {more} more: <a href="#/">the board</a> · <a href="#/instances">the instances</a>
        </p>
      )}
    </div>
  );
}
