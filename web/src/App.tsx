// The page: header with the fleet summary, then the view the hash route names.
//   #/            the task board       #/instances        the instances
//   #/tasks/ID    one task             #/instances/ID     one instance
//   #/notifications  what cco told whom (failed deliveries first, with Retry)
//   #/backups     the backups kept, and Back up now
//   #/stats       cost, times and rates per repository, agent and day
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, login, onUnauthorized } from './api/client';
import { Backups } from './Backups';
import { Board } from './Board';
import { Dialog } from './Dialog';
import { InstancePage } from './InstancePage';
import { Instances } from './Instances';
import { live, useLiveState } from './live';
import { Notifications } from './Notifications';
import { Stats } from './Stats';
import { Summary } from './Summary';
import { TaskPage } from './TaskPage';
import { Toasts } from './ui';

function useRoute(): string[] {
  const read = () => window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onHash = () => {
      setRoute(read());
      window.scrollTo(0, 0);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

export function App() {
  const route = useRoute();
  const liveState = useLiveState();
  const [askToken, setAskToken] = useState(false);

  useEffect(() => {
    const off = onUnauthorized(() => setAskToken(true));
    live.start();
    return () => {
      off();
    };
  }, []);

  let view;
  if (route[0] === 'tasks' && route[1]) view = <TaskPage id={route[1]} />;
  else if (route[0] === 'instances' && route[1]) view = <InstancePage id={route[1]} />;
  else if (route[0] === 'instances') view = <Instances />;
  else if (route[0] === 'notifications') view = <Notifications />;
  else if (route[0] === 'backups') view = <Backups />;
  else if (route[0] === 'stats') view = <Stats />;
  else view = <Board />;
  const tab =
    route[0] === 'instances' || route[0] === 'notifications' || route[0] === 'backups' || route[0] === 'stats'
      ? route[0]
      : route[0] === 'tasks'
        ? 'task'
        : 'board';

  return (
    <>
      <header className="top">
        <a className="brand" href="#/">
          cc-orchestrator
        </a>
        <nav>
          <a href="#/" aria-current={tab === 'board' ? 'page' : undefined} data-testid="nav-board">
            Board
          </a>
          <a href="#/instances" aria-current={tab === 'instances' ? 'page' : undefined} data-testid="nav-instances">
            Instances
          </a>
          <a
            href="#/notifications"
            aria-current={tab === 'notifications' ? 'page' : undefined}
            data-testid="nav-notifications"
          >
            Notifications
          </a>
          <a href="#/stats" aria-current={tab === 'stats' ? 'page' : undefined} data-testid="nav-stats">
            Stats
          </a>
          <a href="#/backups" aria-current={tab === 'backups' ? 'page' : undefined} data-testid="nav-backups">
            Backups
          </a>
        </nav>
        <span className={`live ${liveState}`} data-testid="live-state" data-state={liveState} title="live updates">
          {liveState === 'live' ? '● live' : liveState === 'unauthorized' ? '● locked' : `● ${liveState}`}
        </span>
      </header>
      <Summary />
      <main>{view}</main>
      {askToken && (
        <TokenDialog
          onDone={() => {
            setAskToken(false);
            live.restart();
            live.refresh();
          }}
        />
      )}
      <Toasts />
    </>
  );
}

function TokenDialog({ onDone }: { onDone: () => void }) {
  const [token, setValue] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    login(token.trim()).then(
      () => {
        setBusy(false);
        onDone();
      },
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof ApiError && err.status === 401 ? 'That is not this server’s token.' : String(err instanceof Error ? err.message : err));
      },
    );
  }
  return (
    <Dialog title="Token required" testid="token-dialog">
      <form className="form" onSubmit={submit}>
        <p>
          Open the one-time login link that <code>cco up</code> printed (<code>cco web --link</code> prints a new
          one), or paste the token: <code>web.token</code>, or the <code>web-token</code> file in cco’s data
          directory.
        </p>
        {error && (
          <p className="error" role="alert" data-testid="token-error">
            {error}
          </p>
        )}
        <label>
          Token
          <input
            data-testid="token-input"
            type="password"
            autoComplete="current-password"
            required
            value={token}
            onChange={(e) => setValue(e.target.value)}
          />
        </label>
        <div className="actions">
          <button type="submit" className="primary" data-testid="token-submit" disabled={busy}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
