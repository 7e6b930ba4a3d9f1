// A task's messages: what other tasks' agents sent it (through the fleet's MCP server), what
// it sent, cco's news to a waiting agent, and yours; queued until its agent's turn ends.
import { useState } from 'react';
import { api, ApiError, type Task } from './api/client';
import { useResource } from './live';
import { ago } from './ui';

const OPEN = new Set(['pending', 'ready', 'blocked', 'running', 'needs_input']);

function who(sender: string, toHere: boolean, to: string): string {
  if (!toHere) return `to ${to}`;
  if (sender === 'user') return 'from you';
  if (sender === 'cco') return 'from cco';
  return `from ${sender.replace('task:', 'task ')}`;
}

export function MessagesPanel({ task }: { task: Task }) {
  const found = useResource(
    () => api.messages(task.id),
    [task.id],
    (e) => e.entity_type === 'task' && e.entity_id === task.id && e.kind.startsWith('task.message'),
  );
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const list = found.data ?? [];
  const send = async () => {
    setError(null);
    try {
      await api.sendMessage(task.id, text);
      setText('');
    } catch (e) {
      setError(e instanceof ApiError ? `${e.message}${e.hint ? ` (${e.hint})` : ''}` : String(e));
    }
  };
  return (
    <section className="messages" data-testid="task-messages">
      <h2>Messages</h2>
      {list.length === 0 && <p className="muted">No messages.</p>}
      <ul>
        {list.map((m) => (
          <li key={m.id} data-testid="message" data-status={m.status} data-kind={m.kind}>
            <span className="muted">
              {who(m.sender, m.to_task_id === task.id, m.to_task_id)} · {ago(m.created_at)} · {m.status === 'pending' ? 'queued' : m.status}
            </span>
            <pre className="text">{m.text}</pre>
          </li>
        ))}
      </ul>
      {OPEN.has(task.status) && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (text.trim()) void send();
          }}
        >
          <textarea
            data-testid="message-text"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="A message for its agent: typed in when its turn ends"
            rows={3}
          />
          <button type="submit" data-testid="message-send" disabled={!text.trim()}>
            Send
          </button>
          {error && (
            <p className="error" data-testid="message-error">
              {error}
            </p>
          )}
        </form>
      )}
    </section>
  );
}
