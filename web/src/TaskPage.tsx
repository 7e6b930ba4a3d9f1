// One task: prompt, branch, status and reason, its issue and pull request (task.linked and
// task.pr_* are task events: they refetch it), diff stat, cost, its agent's log and terminal.
import { lazy, Suspense, useState } from 'react';
import { api, type Instance, type Task } from './api/client';
import { useResource } from './live';
import { LogView } from './LogView';
import { InstanceControls } from './Instances';
import { TaskActions } from './TaskActions';
import { TaskLinkFacts } from './TaskLinks';
import { MessagesPanel } from './Messages';
import { ago, Badge, Fact, Loading, money, plural } from './ui';

const Terminal = lazy(() => import('./Terminal'));

export function TaskPage({ id }: { id: string }) {
  const task = useResource(() => api.task(id), [id], (e) => e.entity_type === 'task' && e.entity_id === id);
  const deps = useResource(() => api.deps(id), [id], (e) => e.entity_type === 'task');
  const t = task.data;
  const instanceId = t?.instance_id ?? null;
  const inst = useResource(
    () => (instanceId ? api.instance(instanceId) : Promise.resolve(null)),
    [instanceId],
    (e) => e.entity_type === 'instance' && e.entity_id === instanceId,
  );
  if (!t) {
    return (
      <section data-testid="task-page">
        <p>
          <a href="#/">← Board</a>
        </p>
        <Loading error={task.error} />
      </section>
    );
  }
  return (
    <section data-testid="task-page" data-id={t.id} data-status={t.status} className="task-page">
      <p>
        <a href="#/">← Board</a>
      </p>
      <header className="page-head">
        <h1 data-testid="task-title-heading">{t.title}</h1>
        <Badge status={t.status} testid="task-status" />
      </header>
      {t.status_reason && (
        <p className="reason" data-testid="task-reason">
          {t.status_reason}
        </p>
      )}
      <TaskActions task={t} />
      <TaskLinkFacts task={t} />
      <dl className="facts">
        <Fact name="id" value={<code>{t.id}</code>} />
        <Fact name="repository" value={t.repo_path ? String(t.repo_path) : '—'} />
        <Fact name="base" value={t.base_ref ?? 'current branch'} />
        <Fact name="branch" value={t.branch ? <code data-testid="task-branch">{t.branch}</code> : '—'} />
        <Fact name="priority" value={String(t.priority ?? 0)} />
        {t.notify.length > 0 && <Fact name="notifies" value={t.notify.join(', ')} />}
        <Fact name="cost" value={<span data-testid="task-cost">{money(t.cost_usd)}</span>} />
        <Fact name="attempts" value={String(t.attempts ?? 0)} />
        {t.commits_ahead != null && <Fact name="commits" value={String(t.commits_ahead)} />}
        {t.started_at && <Fact name="started" value={ago(t.started_at)} />}
        {t.finished_at && <Fact name="finished" value={ago(t.finished_at)} />}
        {t.parent_id && (
          <Fact name="made by" value={<a href={`#/tasks/${t.parent_id}`} data-testid="task-parent-link">task {t.parent_id}</a>} />
        )}
        {t.progress && (
          <Fact name="progress" value={<span data-testid="task-progress-line">{t.progress} ({ago(t.progress_at)})</span>} />
        )}
        {(t.waiting_for ?? []).length > 0 && (
          <Fact name="waits for" value={<span data-testid="task-waits">{(t.parked ? 'parked, ' : '') + (t.waiting_for ?? []).join(', ')}</span>} />
        )}
      </dl>
      <DepsList deps={deps.data?.depends_on} title="Depends on" testid="depends-on" />
      <DepsList deps={deps.data?.dependents} title="Dependents" testid="dependents" />
      {t.summary && (
        <>
          <h2>Its agent's summary</h2>
          <pre className="text" data-testid="task-summary">
            {t.summary}
          </pre>
        </>
      )}
      <h2>Prompt</h2>
      <pre className="text" data-testid="task-prompt-text">
        {t.prompt}
      </pre>
      {t.feedback && (
        <>
          <h2>Last feedback</h2>
          <pre className="text">{t.feedback}</pre>
        </>
      )}
      {(t.diff_stat || t.files_changed != null) && (
        <>
          <h2>
            Changes{' '}
            {t.files_changed != null && (
              <small className="muted">
                {plural(t.files_changed, 'file')} <span className="plus">+{t.insertions ?? 0}</span>{' '}
                <span className="minus">−{t.deletions ?? 0}</span>
              </small>
            )}
          </h2>
          <pre className="text mono" data-testid="task-diffstat">
            {t.diff_stat || 'no changes'}
          </pre>
        </>
      )}
      <MessagesPanel task={t} />
      {inst.data && <AgentPanel inst={inst.data} />}
    </section>
  );
}

function DepsList({ deps, title, testid }: { deps?: Task[]; title: string; testid: string }) {
  if (!deps || deps.length === 0) return null;
  return (
    <div className="deplist" data-testid={testid}>
      <h2>{title}</h2>
      <ul>
        {deps.map((d) => (
          <li key={d.id}>
            <Badge status={d.status} /> <a href={`#/tasks/${d.id}`}>{d.title}</a> <code>{d.id}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

function AgentPanel({ inst }: { inst: Instance }) {
  const [showTerminal, setShowTerminal] = useState(true);
  return (
    <section className="agent" data-testid="task-instance" data-id={inst.id} data-status={inst.status}>
      <h2>
        Agent <a href={`#/instances/${inst.id}`}>{inst.name}</a> <Badge status={inst.status} testid="task-instance-status" />
      </h2>
      <p className="meta">
        {money(inst.cost_usd)} · {inst.turns ?? 0} turns · {inst.input_tokens ?? 0} in / {inst.output_tokens ?? 0} out tokens
      </p>
      {inst.status_reason && <p className="reason">{inst.status_reason}</p>}
      <InstanceControls inst={inst} />
      <h3>Log</h3>
      <LogView inst={inst} key={`${inst.id}|${inst.mode}`} />
      <h3>
        Terminal{' '}
        <button type="button" className="plain small" onClick={() => setShowTerminal(!showTerminal)}>
          {showTerminal ? 'hide' : 'show'}
        </button>
      </h3>
      {showTerminal && (
        <Suspense fallback={<p className="muted">Loading the terminal…</p>}>
          <Terminal instanceId={inst.id} />
        </Suspense>
      )}
    </section>
  );
}
