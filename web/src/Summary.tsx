// The fleet at a glance: what needs you first, then daemon, cost and counts by status.
import { api, type Status } from './api/client';
import { useResource } from './live';
import { Badge, INSTANCE_ORDER, Loading, money, TASK_STATUSES } from './ui';

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

/** Questions first (an agent waits), then reviews, then failures; a few, and how many more. */
export const NEEDS_SHOWN = 5;
// the server lists reviews before failures; a stable sort keeps that order
const rank = (n: Status['needs_you'][number]) => (n.kind === 'instance' ? 0 : 1);

function NeedsYou({ status }: { status: Status }) {
  const items = [...status.needs_you].sort((a, b) => rank(a) - rank(b));
  // the server sends the first few of each kind, and how many there are in all
  const total = Math.max(items.length, status.needs_you_total);
  if (total === 0) return null;
  const more = total - Math.min(items.length, NEEDS_SHOWN);
  return (
    <div className="needs" data-testid="needs-you">
      <h2>Needs you ({total})</h2>
      <ul>
        {items.slice(0, NEEDS_SHOWN).map((n) => (
          <li key={`${n.kind}-${n.id}`} data-testid="needs-you-item" data-kind={n.kind} data-id={n.id}>
            <a href={n.kind === 'task' ? `#/tasks/${n.id}` : `#/instances/${n.id}`}>
              <span className="kind">{n.kind}</span> <code>{n.id}</code> {n.why}
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
