// What the fleet cost and how its work went (GET /api/stats): the totals, then per repository,
// agent and day, and the slowest and costliest tasks. Refreshed when a task changes status.
import { useState } from 'react';
import { api, type StatsGroup, type StatsTask } from './api/client';
import { useResource } from './live';
import { Loading } from './ui';

const isTask = (e: { entity_type: string }) => e.entity_type === 'task';
const SINCE: Record<string, number | null> = { all: null, '30 days': 30, '7 days': 7, '1 day': 1 };

export function duration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

const rate = (v: number | null | undefined) => (v == null ? '–' : `${Math.round(v * 100)}%`);
const usd = (v: number) => `$${v.toFixed(2)}`;

function Groups({ title, groups, testid }: { title: string; groups: StatsGroup[]; testid: string }) {
  const most = Math.max(0.000001, ...groups.map((g) => g.cost_usd));
  return (
    <div className="panel" data-testid={testid}>
      <h2>{title}</h2>
      <table className="stats">
        <thead>
          <tr>
            <th></th>
            <th>tasks</th>
            <th>cost</th>
            <th>tokens</th>
            <th>turns</th>
            <th>active</th>
            <th>waiting you</th>
            <th>success</th>
            <th>retried</th>
            <th>rejected</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={g.key} data-testid="stats-row" data-key={g.key}>
              <td className="key">{g.key}</td>
              <td>{g.tasks}</td>
              <td>
                <span className="bar" style={{ width: `${Math.round((g.cost_usd / most) * 60)}px` }} />
                {usd(g.cost_usd)}
              </td>
              <td>{g.input_tokens + g.output_tokens}</td>
              <td>{g.turns}</td>
              <td>{duration(g.active_s)}</td>
              <td>{duration(g.waiting_s)}</td>
              <td>{rate(g.success_rate)}</td>
              <td>{rate(g.retry_rate)}</td>
              <td>{rate(g.reject_rate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Tasks({ title, tasks, testid }: { title: string; tasks: StatsTask[]; testid: string }) {
  return (
    <div className="panel" data-testid={testid}>
      <h2>{title}</h2>
      <ul>
        {tasks.map((t) => (
          <li key={t.id}>
            <a href={`#/tasks/${t.id}`}>{t.title}</a> <code>{t.id}</code> · {usd(t.cost_usd)} · {duration(t.wall_s)}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Stats() {
  const [since, setSince] = useState('all');
  const days = SINCE[since];
  const stats = useResource(
    () => api.stats(days == null ? undefined : new Date(Date.now() - days * 86400000).toISOString()),
    [since],
    isTask,
  );
  const s = stats.data;
  return (
    <section data-testid="stats">
      <div className="toolbar">
        <h1>Stats</h1>
        <label className="inline">
          tasks created
          <select data-testid="stats-since" value={since} onChange={(e) => setSince(e.target.value)}>
            {Object.keys(SINCE).map((k) => (
              <option key={k} value={k}>
                {k === 'all' ? 'ever' : `in the last ${k}`}
              </option>
            ))}
          </select>
        </label>
      </div>
      {!s ? (
        <Loading error={stats.error} />
      ) : s.totals.tasks === 0 ? (
        <p className="muted" data-testid="no-stats">
          No tasks {since === 'all' ? 'yet' : 'in that period'}.
        </p>
      ) : (
        <>
          <Groups title="In all" groups={[s.totals]} testid="stats-totals" />
          <Groups title="By repository" groups={s.by_repo} testid="stats-by-repo" />
          <Groups title="By agent" groups={s.by_agent} testid="stats-by-agent" />
          <Groups title="By day" groups={s.by_day} testid="stats-by-day" />
          <Tasks title="Slowest" tasks={s.slowest} testid="stats-slowest" />
          <Tasks title="Costliest" tasks={s.costliest} testid="stats-costliest" />
        </>
      )}
    </section>
  );
}
