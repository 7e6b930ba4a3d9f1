// The buttons that move a task, and the edit / reject dialogs behind two of them.
import { useState, type FormEvent } from 'react';
import { api, type Task, type TaskAction } from './api/client';
import { Dialog } from './Dialog';
import { act, ActionButton } from './ui';

/** The buttons of the actions the server says the task allows now (task.actions). */
export function TaskActions({ task, compact = false }: { task: Task; compact?: boolean }) {
  const [dialog, setDialog] = useState<'edit' | 'reject' | null>(null);
  const allows = (action: TaskAction) => task.actions.includes(action);
  // an open pull request lands by merging on GitHub; its branch can catch up with its base
  const prOpen = task.pull_request?.state === 'open' && task.status === 'review';
  return (
    <div className="actions" data-testid="task-actions">
      {allows('start') && (
        <ActionButton testid="action-start" kind="primary" run={() => act('Start', () => api.startTask(task.id))}>
          Start
        </ActionButton>
      )}
      {prOpen && (
        <ActionButton
          testid="action-update-branch"
          title="Merge the pull request's moved base into the branch and push it"
          run={() => act('Update branch', () => api.updateBranch(task.id))}
        >
          Update branch
        </ActionButton>
      )}
      {allows('approve') && !prOpen && (
        <ActionButton
          testid="action-approve"
          kind="primary"
          title="Merge the branch into its base"
          run={() => act('Approve', () => api.approveTask(task.id))}
        >
          Approve
        </ActionButton>
      )}
      {allows('reject') && (
        <button type="button" data-testid="action-reject" onClick={() => setDialog('reject')}>
          Reject…
        </button>
      )}
      {allows('retry') && (
        <ActionButton testid="action-retry" run={() => act('Retry', () => api.retryTask(task.id))}>
          Retry
        </ActionButton>
      )}
      {allows('cancel') && (
        <ActionButton
          testid="action-cancel"
          kind="danger"
          run={async () => {
            if (window.confirm(`Cancel “${task.title}”?`)) await act('Cancel', () => api.cancelTask(task.id));
          }}
        >
          Cancel
        </ActionButton>
      )}
      {allows('edit') && !(compact && task.finished) && (
        <button type="button" data-testid="action-edit" onClick={() => setDialog('edit')}>
          Edit
        </button>
      )}
      {dialog === 'edit' && <EditDialog task={task} onClose={() => setDialog(null)} />}
      {dialog === 'reject' && <RejectDialog task={task} onClose={() => setDialog(null)} />}
    </div>
  );
}

function EditDialog({ task, onClose }: { task: Task; onClose: () => void }) {
  const [title, setTitle] = useState(task.title);
  const [prompt, setPrompt] = useState(task.prompt);
  const [priority, setPriority] = useState(String(task.priority ?? 0));
  const [busy, setBusy] = useState(false);
  const promptEditable = task.actions.includes('edit_prompt');

  async function save(e: FormEvent) {
    e.preventDefault();
    const body: { title?: string; prompt?: string; priority?: number } = {};
    if (title.trim() !== task.title) body.title = title.trim();
    if (promptEditable && prompt !== task.prompt) body.prompt = prompt;
    if (Number(priority) !== (task.priority ?? 0)) body.priority = Number(priority);
    if (Object.keys(body).length === 0) return onClose();
    setBusy(true);
    const done = await act('Edit', () => api.editTask(task.id, body));
    setBusy(false);
    if (done) onClose();
  }

  return (
    <Dialog title="Edit task" onClose={onClose} testid="edit-dialog">
      <form className="form" onSubmit={save}>
        <label>
          Title
          <input data-testid="edit-title" value={title} required maxLength={200} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          Prompt
          <textarea
            data-testid="edit-prompt"
            rows={8}
            value={prompt}
            disabled={!promptEditable}
            onChange={(e) => setPrompt(e.target.value)}
          />
          {!promptEditable && <small className="muted">The prompt changes only before the task starts.</small>}
        </label>
        <label>
          Priority
          <input
            data-testid="edit-priority"
            type="number"
            min={-1000}
            max={1000}
            value={priority}
            onChange={(e) => setPriority(e.target.value)}
          />
        </label>
        <div className="actions">
          <button type="submit" className="primary" data-testid="edit-save" disabled={busy}>
            Save
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function RejectDialog({ task, onClose }: { task: Task; onClose: () => void }) {
  const [feedback, setFeedback] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const done = await act('Reject', () => api.rejectTask(task.id, feedback));
    setBusy(false);
    if (done) onClose();
  }

  return (
    <Dialog title={`Reject “${task.title}”`} onClose={onClose} testid="reject-dialog">
      <form className="form" onSubmit={submit}>
        <label>
          Feedback for the agent (the same conversation goes on)
          <textarea
            data-testid="reject-feedback"
            rows={6}
            required
            value={feedback}
            onChange={(e) => setFeedback(e.target.value)}
          />
        </label>
        <div className="actions">
          <button type="submit" className="primary" data-testid="reject-submit" disabled={busy || !feedback.trim()}>
            Reject with feedback
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
    </Dialog>
  );
}
