// Every agent at a glance, those waiting for you first, with a box to answer or prompt them;
// each card's name opens the instance's own page (InstancePage.tsx).
import { useState, type FormEvent } from 'react';
import { Answer } from './Answer';
import { api, type Instance, type InstanceAction, type Task } from './api/client';
import { loadInstances, loadTasks } from './api/lists';
import { useResource } from './live';
import { act, ActionButton, ago, Badge, INSTANCE_ORDER, Loading, money } from './ui';

const isInstanceOrTask = (e: { entity_type: string }) =>
  e.entity_type === 'instance' || e.entity_type === 'task';

export function sortInstances(list: Instance[]): Instance[] {
  return [...list].sort(
    (a, b) =>
      INSTANCE_ORDER.indexOf(a.status) - INSTANCE_ORDER.indexOf(b.status) ||
      String(b.status_at ?? '').localeCompare(String(a.status_at ?? '')),
  );
}

export function Instances() {
  const instances = useResource(loadInstances, [], isInstanceOrTask);
  const tasks = useResource(loadTasks, [], isInstanceOrTask);
  const taskById = new Map((tasks.data?.tasks ?? []).map((t) => [t.id, t]));
  const list = instances.data ? sortInstances(instances.data) : undefined;
  const alive = list?.filter((i) => i.live) ?? [];
  const ended = list?.filter((i) => !i.live) ?? [];

  return (
    <section data-testid="instances">
      <div className="toolbar">
        <h1>Instances</h1>
      </div>
      {!list ? (
        <Loading error={instances.error} />
      ) : list.length === 0 ? (
        <p className="muted">No instances yet: add a task, and the daemon starts one for it.</p>
      ) : (
        <>
          <div className="grid">
            {alive.map((i) => (
              <InstanceCard key={i.id} inst={i} task={i.task_id ? taskById.get(i.task_id) : undefined} />
            ))}
          </div>
          {ended.length > 0 && (
            <details className="ended" open={alive.length === 0}>
              <summary>Ended ({ended.length})</summary>
              <div className="grid">
                {ended.map((i) => (
                  <InstanceCard key={i.id} inst={i} task={i.task_id ? taskById.get(i.task_id) : undefined} />
                ))}
              </div>
            </details>
          )}
        </>
      )}
    </section>
  );
}

function InstanceCard({ inst, task }: { inst: Instance; task?: Task }) {
  return (
    <article
      className={`card s-${inst.status}`}
      data-testid="instance-card"
      data-id={inst.id}
      data-status={inst.status}
    >
      <header className="card-head">
        <a href={`#/instances/${inst.id}`} className="title" data-testid="instance-link">
          {inst.name}
        </a>
        <Badge status={inst.status} testid="instance-status" />
      </header>
      <p className="meta">
        {inst.name !== inst.id && (
          <>
            <code>{inst.id}</code> ·{' '}
          </>
        )}
        {inst.agent}
        {inst.mode === 'headless' ? ' (headless)' : ''} · {money(inst.cost_usd)} · {inst.turns ?? 0} turns
        {inst.status_at ? ` · ${ago(inst.status_at)}` : ''}
      </p>
      {inst.status_reason && <p className="reason">{inst.status_reason}</p>}
      {inst.task_id && (
        <p className="meta">
          task <a href={`#/tasks/${inst.task_id}`}>{task ? task.title : inst.task_id}</a>
        </p>
      )}
      <InstanceControls inst={inst} />
    </article>
  );
}

/** Send text, stop, restart (what the server says the instance allows now: inst.actions): on
 * the instances view and on a task's page. */
export function InstanceControls({ inst }: { inst: Instance }) {
  const allows = (action: InstanceAction) => inst.actions.includes(action);
  return (
    <div className="controls">
      <Answer inst={inst} />
      {(allows('send') || allows('force_send')) && <SendBox inst={inst} />}
      <div className="actions">
        {allows('stop') && (
          <ActionButton
            testid="instance-stop"
            kind="danger"
            run={async () => {
              if (window.confirm(`Stop ${inst.name}?`)) await act('Stop', () => api.stop(inst.id));
            }}
          >
            Stop
          </ActionButton>
        )}
        {allows('restart') && (
          <ActionButton
            testid="instance-restart"
            title="Run the agent again, resuming its conversation"
            run={() => act('Restart', () => api.restart(inst.id))}
          >
            Restart
          </ActionButton>
        )}
      </div>
    </div>
  );
}

function SendBox({ inst }: { inst: Instance }) {
  const [text, setText] = useState('');
  const [force, setForce] = useState(false);
  const [busy, setBusy] = useState(false);
  const waiting = inst.question != null;
  // it takes text only when forced: while it works, or into a dialog cco has not read
  const onlyForced = !inst.actions.includes('send');

  async function send(e?: FormEvent) {
    const value = text;
    e?.preventDefault();
    if (!value.trim() || busy) return;
    setBusy(true);
    const sent = await act('Send', () => api.send(inst.id, value, onlyForced && force));
    setBusy(false);
    if (sent) setText('');
  }

  return (
    <form className="send" data-testid="send-form" onSubmit={send}>
      <div className="send-row">
        <textarea
          data-testid="send-text"
          rows={1}
          value={text}
          placeholder="Prompt"
          aria-label={`Send to ${inst.name}`}
          onChange={(e) => setText(e.target.value)}
          aria-describedby={`send-hint-${inst.id}`}
          onKeyDown={(e) => {
            // Enter sends, like a chat; Shift+Enter is a new line; not while an IME composes
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              void send();
            }
          }}
        />
        <button type="submit" className={waiting ? 'primary' : undefined} data-testid="send-submit" disabled={busy || !text.trim()}>
          Send
        </button>
      </div>
      <small className="muted hint" id={`send-hint-${inst.id}`} data-testid="send-hint">
        Enter sends · Shift+Enter for a new line
      </small>
      {onlyForced && (
        <label className="inline">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} />{' '}
          {waiting ? 'type into its dialog anyway (the text may pick one of its options)' : 'send while it works (text typed now could be lost)'}
        </label>
      )}
    </form>
  );
}
