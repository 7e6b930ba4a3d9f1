// One instance: who it is and where it works, its status history, its log, its terminal, and
// the box to prompt it. An unknown id gets the "not found" answer, like a task page.
import { lazy, Suspense } from 'react';
import { api } from './api/client';
import { loadWorktree } from './api/lists';
import { InstanceControls } from './Instances';
import { InstanceHistory } from './InstanceHistory';
import { useResource } from './live';
import { LogView } from './LogView';
import { ago, Badge, Fact, Loading, money } from './ui';

const Terminal = lazy(() => import('./Terminal'));

export function InstancePage({ id }: { id: string }) {
  const inst = useResource(() => api.instance(id), [id], (e) => e.entity_type === 'instance' && e.entity_id === id);
  const i = inst.data;
  const taskId = i?.task_id ?? null;
  const worktreeId = i?.worktree_id ?? null;
  const task = useResource(
    () => (taskId ? api.task(taskId) : Promise.resolve(null)),
    [taskId],
    (e) => e.entity_type === 'task' && e.entity_id === taskId,
  );
  const worktree = useResource(
    () => (worktreeId ? loadWorktree(worktreeId) : Promise.resolve(null)),
    [worktreeId],
    (e) => e.entity_type === 'worktree' && e.entity_id === worktreeId,
  );
  const back = (
    <p>
      <a href="#/instances">← Instances</a>
    </p>
  );
  if (!i) {
    return (
      <section data-testid="instance-page">
        {back}
        <Loading error={inst.error} />
      </section>
    );
  }
  const wt = worktree.data;
  return (
    <section data-testid="instance-page" data-id={i.id} data-status={i.status} className="instance-page">
      {back}
      <header className="page-head">
        <h1 data-testid="instance-name">{i.name}</h1>
        <Badge status={i.status} testid="instance-page-status" />
        {i.status_at && <span className="muted">since {ago(i.status_at)}</span>}
      </header>
      {i.status_reason && (
        <p className="reason" data-testid="instance-reason">
          {i.status_reason}
        </p>
      )}
      <dl className="facts">
        <Fact name="id" value={<code>{i.id}</code>} />
        <Fact name="agent" value={`${i.agent}${i.mode === 'headless' ? ' (headless)' : ''}`} />
        <Fact
          name="task"
          value={
            taskId ? (
              <a href={`#/tasks/${taskId}`} data-testid="instance-task">
                {task.data ? task.data.title : taskId}
              </a>
            ) : (
              '—'
            )
          }
        />
        <Fact
          name="worktree"
          value={<span data-testid="instance-worktree">{wt ? String(wt.path) : worktreeId ? 'removed' : '—'}</span>}
        />
        <Fact name="branch" value={wt ? <code data-testid="instance-branch">{wt.branch}</code> : '—'} />
        <Fact name="cost" value={<span data-testid="instance-cost">{money(i.cost_usd)}</span>} />
        <Fact name="tokens" value={`${i.input_tokens ?? 0} in / ${i.output_tokens ?? 0} out`} />
        <Fact name="turns" value={String(i.turns ?? 0)} />
        {(i.restarts ?? 0) > 0 && <Fact name="restarts" value={String(i.restarts)} />}
        {i.exit_status != null && <Fact name="exit status" value={String(i.exit_status)} />}
        {i.created_at && <Fact name="created" value={ago(i.created_at)} />}
      </dl>
      <InstanceControls inst={i} />
      <h2>Status history</h2>
      <InstanceHistory instanceId={i.id} />
      <h2>Log</h2>
      <LogView inst={i} key={`${i.id}|${i.mode}|${i.transcript ?? ''}`} />
      <h2>Terminal</h2>
      <Suspense fallback={<p className="muted">Loading the terminal…</p>}>
        <Terminal instanceId={i.id} />
      </Suspense>
    </section>
  );
}
