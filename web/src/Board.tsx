// The task board: one column per status, a form to add a task, actions on every card.
import { useState, type FormEvent } from 'react';
import { api, type Task } from './api/client';
import { loadTasks } from './api/lists';
import { useResource } from './live';
import { TaskActions } from './TaskActions';
import { CardLinks } from './TaskLinks';
import { act, Badge, BOARD_FLOW, label, Loading, money, plural } from './ui';

const isTask = (e: { entity_type: string }) => e.entity_type === 'task';

export function Board() {
  const tasks = useResource(loadTasks, [], isTask);
  const [adding, setAdding] = useState(false);
  const list = tasks.data?.tasks;
  const counts = tasks.data?.counts ?? {};
  const byId = new Map((list ?? []).map((t) => [t.id, t]));
  return (
    <section data-testid="board">
      <div className="toolbar">
        <h1>Tasks</h1>
        <button
          type="button"
          className="primary"
          data-testid="new-task-toggle"
          aria-expanded={adding}
          onClick={() => setAdding(!adding)}
        >
          {adding ? 'Close' : 'New task'}
        </button>
      </div>
      {adding && <TaskForm tasks={list ?? []} onDone={() => setAdding(false)} />}
      {!list ? (
        <Loading error={tasks.error} />
      ) : (
        <Columns list={list} counts={counts} byId={byId} />
      )}
    </section>
  );
}

/** The flow left to right; an empty status is a chip in one row, not a column of its own. */
function Columns({ list, counts, byId }: { list: Task[]; counts: Record<string, number>; byId: Map<string, Task> }) {
  const byStatus = new Map(
    BOARD_FLOW.map((status) => [
      status,
      list.filter((t) => t.status === status).sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || byDate(a, b)),
    ]),
  );
  const empty = BOARD_FLOW.filter((status) => byStatus.get(status)!.length === 0);
  return (
    <>
      <div className="columns">
        {BOARD_FLOW.filter((status) => !empty.includes(status)).map((status) => {
          const cards = byStatus.get(status)!;
          return (
            <section key={status} className="column" data-testid={`column-${status}`}>
              <h2>
                <Badge status={status} />{' '}
                <span className="count">
                  {(counts[status] ?? 0) > cards.length ? `newest ${cards.length} of ${counts[status]}` : cards.length}
                </span>
              </h2>
              {cards.map((t) => (
                <TaskCard key={t.id} task={t} byId={byId} />
              ))}
            </section>
          );
        })}
      </div>
      {empty.length > 0 && (
        <p className="empty-columns" data-testid="empty-columns">
          <span className="muted">none</span>
          {empty.map((status) => (
            <span key={status} className="column-chip" data-testid={`column-${status}`}>
              <Badge status={status} /> <span className="count">0</span>
            </span>
          ))}
        </p>
      )}
    </>
  );
}

function byDate(a: Task, b: Task): number {
  return String(b.updated_at ?? '').localeCompare(String(a.updated_at ?? ''));
}

function TaskCard({ task, byId }: { task: Task; byId: Map<string, Task> }) {
  const deps = task.depends_on ?? [];
  return (
    <article className={`card s-${task.status}`} data-testid="task-card" data-id={task.id} data-status={task.status}>
      <header className="card-head">
        <a href={`#/tasks/${task.id}`} className="title" data-testid="task-link">
          {task.title}
        </a>
        {task.priority ? <span className="chip" title="priority">p{task.priority}</span> : null}
      </header>
      <p className="meta">
        <code>{task.id}</code>
        {task.cost_usd ? <span> · {money(task.cost_usd)}</span> : null}
        {task.files_changed != null && (
          <span>
            {' '}
            · {plural(task.files_changed, 'file')} <span className="plus">+{task.insertions ?? 0}</span>{' '}
            <span className="minus">−{task.deletions ?? 0}</span>
          </span>
        )}
      </p>
      <CardLinks task={task} />
      {task.parent_id && (
        <p className="parent" data-testid="task-parent">
          ↳ <a href={`#/tasks/${task.parent_id}`}>{byId.get(task.parent_id)?.title ?? task.parent_id}</a>
        </p>
      )}
      {task.status_reason && <p className="reason">{task.status_reason}</p>}
      {task.progress && (
        <p className="progress" data-testid="task-progress" title="its agent's last progress report">
          {task.progress}
        </p>
      )}
      {deps.length > 0 && (
        <p className="deps" data-testid="task-deps">
          after{' '}
          {deps.map((id) => {
            const dep = byId.get(id);
            return (
              <a key={id} href={`#/tasks/${id}`} className={`dep s-${dep?.status ?? 'pending'}`} title={dep ? label(dep.status) : ''}>
                {dep ? dep.title : id}
              </a>
            );
          })}
        </p>
      )}
      <TaskActions task={task} compact />
    </article>
  );
}

const REPO_KEY = 'cco.repo';

function TaskForm({ tasks, onDone }: { tasks: Task[]; onDone: () => void }) {
  const repos = useResource(api.repositories, [], (e) => e.entity_type === 'repository');
  const channels = useResource(api.channels, [], () => false);
  const [notify, setNotify] = useState<string[]>([]);
  const [title, setTitle] = useState('');
  const [prompt, setPrompt] = useState('');
  const [repo, setRepo] = useState(() => localStorage.getItem(REPO_KEY) ?? '');
  const [base, setBase] = useState('');
  const [priority, setPriority] = useState('0');
  const [deps, setDeps] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const repoValue = repo || (repos.data?.length === 1 ? String(repos.data[0].path) : '');
  // the tasks the server takes as a dependency (a cancelled one could never finish)
  const candidates = tasks.filter((t) => t.actions.includes('depend_on'));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const created = await act('Create task', () =>
      api.createTask({
        title: title.trim(),
        prompt: prompt.trim() ? prompt : null,
        repo: repoValue.trim(),
        base: base.trim() || null,
        priority: Number(priority) || 0,
        depends_on: deps,
        notify,
      }),
    );
    setBusy(false);
    if (created) {
      localStorage.setItem(REPO_KEY, repoValue.trim());
      onDone();
    }
  }

  return (
    <form className="form panel" data-testid="task-form" onSubmit={submit}>
      <label>
        Title
        <input data-testid="task-title" required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        Prompt <small className="muted">(the title if empty)</small>
        <textarea data-testid="task-prompt" rows={5} value={prompt} onChange={(e) => setPrompt(e.target.value)} />
      </label>
      <div className="row">
        <label className="grow">
          Repository path
          <input
            data-testid="task-repo"
            required
            list="repo-paths"
            value={repoValue}
            placeholder="/path/to/repo"
            onChange={(e) => setRepo(e.target.value)}
          />
          <datalist id="repo-paths">
            {(repos.data ?? []).map((r) => (
              <option key={r.id} value={String(r.path)} />
            ))}
          </datalist>
        </label>
        <label>
          Base
          <input data-testid="task-base" value={base} placeholder="current branch" onChange={(e) => setBase(e.target.value)} />
        </label>
        <label className="narrow">
          Priority
          <input
            data-testid="task-priority"
            type="number"
            min={-1000}
            max={1000}
            value={priority}
            onChange={(e) => setPriority(e.target.value)}
          />
        </label>
      </div>
      {candidates.length > 0 && (
        <label>
          Depends on
          <select
            data-testid="task-deps-select"
            multiple
            size={Math.min(5, candidates.length)}
            value={deps}
            onChange={(e) => setDeps(Array.from(e.target.selectedOptions, (o) => o.value))}
          >
            {candidates.map((t) => (
              <option key={t.id} value={t.id}>
                {t.title} ({label(t.status)}, {t.id})
              </option>
            ))}
          </select>
        </label>
      )}
      {(channels.data?.length ?? 0) > 0 && (
        <fieldset className="notify-pick" data-testid="task-notify">
          <legend>
            Notify <small className="muted">(channels always told about this task)</small>
          </legend>
          {channels.data?.map((c) => (
            <label key={c.name} className="inline">
              <input
                type="checkbox"
                data-testid="task-notify-channel"
                value={c.name}
                checked={notify.includes(c.name)}
                onChange={(e) =>
                  setNotify(e.target.checked ? [...notify, c.name] : notify.filter((n) => n !== c.name))
                }
              />
              {c.name}
            </label>
          ))}
        </fieldset>
      )}
      <div className="actions">
        <button type="submit" className="primary" data-testid="task-submit" disabled={busy}>
          Create task
        </button>
        <button type="button" onClick={onDone}>
          Close
        </button>
      </div>
    </form>
  );
}
