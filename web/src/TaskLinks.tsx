// A task's outside side: the issue it came from and the pull request its work became, with
// its checks and the rounds of CI and review sent back to the agent. The task page shows them
// in full, a board card in short. Only an http(s) address is ever a link (a stored
// javascript: or data: one is plain text), and it opens in a new tab without an opener.
import type { ReactNode } from 'react';
import type { Task } from './api/client';

type Issue = NonNullable<Task['issue']>;
type Pull = NonNullable<Task['pull_request']>;

const MARKS: Record<string, string> = { success: '✓', failure: '✗', pending: '…' };

/** The address as a link may use it: http(s) only, else null. */
export function webUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** A link to the outside world, or its text alone when the address is not a web one. */
export function OutLink({
  url,
  children,
  testid,
  className,
  title,
}: {
  url: string | null | undefined;
  children: ReactNode;
  testid: string;
  className?: string;
  title?: string;
}) {
  const href = webUrl(url);
  if (!href) {
    return (
      <span className={`unlinked ${className ?? ''}`} data-testid={testid} title={title}>
        {children}
      </span>
    );
  }
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" className={className} data-testid={testid} title={title}>
      {children}
    </a>
  );
}

/** acme/widgets#12 on GitHub; the key itself elsewhere. */
export function issueRef(issue: Issue): string {
  return issue.tracker === 'github' ? `${issue.project}#${issue.key}` : issue.key;
}

function rounds(what: string, done: number, most: number | null | undefined): string | null {
  if (!done) return null;
  return `${what} round ${done}${most != null ? `/${most}` : ''}`;
}

/** "PR #3 · open · checks ✗ failure · CI round 1/3" */
export function pullText(pr: Pull): string {
  if (pr.number == null) return `PR opening · ${pr.head}${pr.base ? ` → ${pr.base}` : ''}`;
  const parts = [`PR #${pr.number}`, pr.state];
  if (pr.checks) parts.push(`checks ${MARKS[pr.checks]} ${pr.checks}`);
  for (const part of [rounds('CI', pr.ci_rounds, pr.ci_rounds_max), rounds('review', pr.review_rounds, pr.review_rounds_max)]) {
    if (part) parts.push(part);
  }
  return parts.join(' · ');
}

/** The task page's facts: the issue and the pull request, each linked. */
export function TaskLinkFacts({ task }: { task: Task }) {
  const { issue, pull_request: pr } = task;
  if (!issue && !pr) return null;
  return (
    <div className="gh-links" data-testid="task-links">
      {issue && (
        <p data-testid="task-issue" data-state={issue.state}>
          <span className="muted">issue</span>{' '}
          <OutLink url={issue.url} testid="task-issue-link">
            {issueRef(issue)}
          </OutLink>
          {issue.state !== 'open' && <span className="muted"> ({issue.state})</span>}
        </p>
      )}
      {pr && (
        <p data-testid="task-pr" data-state={pr.state} data-checks={pr.checks ?? ''}>
          <span className="muted">pull request</span>{' '}
          <OutLink url={pr.url} testid="task-pr-link" className={`pr c-${pr.checks ?? 'none'}`}>
            {pullText(pr)}
          </OutLink>
        </p>
      )}
    </div>
  );
}

/** A board card's line: "#12" and a PR badge with its checks' mark. */
export function CardLinks({ task }: { task: Task }) {
  const { issue, pull_request: pr } = task;
  if (!issue && !pr) return null;
  return (
    <p className="gh-card" data-testid="card-links">
      {issue && (
        <OutLink url={issue.url} testid="card-issue">
          {issue.tracker === 'github' ? `#${issue.key}` : issue.key}
        </OutLink>
      )}
      {pr && (
        <span data-testid="card-pr" data-state={pr.state} data-checks={pr.checks ?? ''}>
          <OutLink
            url={pr.url}
            testid="card-pr-link"
            className={`pr-badge c-${pr.checks ?? 'none'} p-${pr.state}`}
            title={pullText(pr)}
          >
            {pr.number == null ? 'PR opening' : `PR #${pr.number}`}
            {pr.state === 'open' && pr.checks ? ` ${MARKS[pr.checks]}` : ''}
            {pr.state === 'merged' || pr.state === 'closed' ? ` ${pr.state}` : ''}
          </OutLink>
        </span>
      )}
    </p>
  );
}
