// A waiting agent's permission question, answered exactly: what it asks (tool, command or
// file), Deny and Allow once first, then the agent's own other choices with their own labels
// ("don't ask again" ones only as buttons that name them). Never a digit typed blind: cco
// answers through the agent's hook, or types a key it has just read from the dialog.
import { useState } from 'react';
import { api, type Instance } from './api/client';
import { act } from './ui';

type Question = NonNullable<Instance['question']>;
type Decision = 'allow' | 'deny' | 'choice';

export function Answer({ inst }: { inst: Instance }) {
  const q = inst.question;
  if (!q) return null; // the server sends a question while the agent waits on it only
  return <QuestionBox key={q.id} inst={inst} q={q} />;
}

function QuestionBox({ inst, q }: { inst: Instance; q: Question }) {
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const hook = q.channel === 'hook';
  const choices = q.choices ?? [];
  const once = choices.find((c) => c.kind === 'allow_once');
  const no = choices.find((c) => c.kind === 'deny');
  const others = choices.filter((c) => c.kind !== 'allow_once' && c.kind !== 'deny');
  const what = q.command ?? q.file_path;

  async function answer(decision: Decision, choice?: string) {
    setBusy(true);
    const body = {
      decision,
      question_id: q.id,
      ...(choice ? { choice } : {}),
      ...(decision === 'deny' && hook && message.trim() ? { message: message.trim() } : {}),
    };
    await act('Answer', () => api.answer(inst.id, body));
    setBusy(false);
  }

  return (
    <div className="question" data-testid="question" data-channel={q.channel} data-question-id={q.id}>
      <p className="asks">
        <strong data-testid="question-tool">{q.tool}</strong>
        {what ? (
          <>
            {' '}
            asks to {q.command ? 'run' : 'use'} <code data-testid="question-subject">{what}</code>
          </>
        ) : (
          ' asks for permission'
        )}
      </p>
      {q.description && <p className="muted">{q.description}</p>}
      {q.edit && <pre className="edit" data-testid="question-edit">{q.edit}</pre>}
      {q.answered ? (
        <p className="muted" data-testid="question-answered">
          Answered: {q.answered}; waiting for the agent to go on.
        </p>
      ) : (
        <>
          {(hook || no || once) && (
            <div className="answers">
              {(hook || no) && (
                <button type="button" data-testid="answer-deny" disabled={busy} onClick={() => answer('deny')}>
                  Deny
                </button>
              )}
              {(hook || once) && (
                <button type="button" className="primary" data-testid="answer-allow" disabled={busy} onClick={() => answer('allow')}>
                  Allow once
                </button>
              )}
              {hook && (
                <input
                  data-testid="answer-message"
                  value={message}
                  maxLength={2000}
                  placeholder="Why not (told to the agent)"
                  aria-label="Why it is denied, told to the agent"
                  onChange={(e) => setMessage(e.target.value)}
                />
              )}
            </div>
          )}
          {others.length > 0 && (
            <div className="choices" data-testid="answer-choices">
              {others.map((c) => (
                <button
                  type="button"
                  key={c.key}
                  data-testid="answer-choice"
                  data-key={c.key}
                  data-kind={c.kind}
                  disabled={busy}
                  title={`Picks option ${c.key} of the agent's own dialog`}
                  onClick={() => {
                    if (c.kind === 'other' || window.confirm(`${c.label}?`)) void answer('choice', c.key);
                  }}
                >
                  {c.key}. {c.label}
                </button>
              ))}
            </div>
          )}
          {q.reason && (
            <p className="muted" data-testid="question-reason">
              {q.reason}
            </p>
          )}
        </>
      )}
    </div>
  );
}
