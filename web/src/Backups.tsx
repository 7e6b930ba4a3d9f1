// The backups kept in backup.dir (newest first) and "Back up now". Restoring needs the daemon
// stopped, so it is `cco restore PATH` only: the page says so.
import { api, type Backup } from './api/client';
import { useResource } from './live';
import { act, ActionButton, ago, Loading, notify } from './ui';

const isBackup = (e: { entity_type: string }) => e.entity_type === 'backup';

export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let n = bytes / 1024;
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit += 1;
  }
  return `${n.toFixed(1)} ${units[unit]}`;
}

export function Backups() {
  const backups = useResource(api.backups, [], isBackup);
  const list = backups.data;
  return (
    <section data-testid="backups">
      <div className="toolbar">
        <h1>Backups</h1>
        <div className="actions">
          <ActionButton
            testid="backup-now"
            kind="primary"
            title="Write a backup of the fleet's state into backup.dir now"
            run={async () => {
              const made = await act('Back up', api.makeBackup);
              if (made) notify(`backed up: ${made.name} (${size(made.size)})`, 'info');
              backups.reload();
            }}
          >
            Back up now
          </ActionButton>
        </div>
      </div>
      <p className="muted">
        To restore one, stop the daemon and run <code>cco restore PATH</code> (
        <code>--check</code> only reads it).
      </p>
      {!list ? (
        <Loading error={backups.error} />
      ) : list.length === 0 ? (
        <p className="muted" data-testid="no-backups">
          No backups yet.
        </p>
      ) : (
        <div className="deliveries">
          {list.map((b: Backup) => (
            <article className="card" key={b.name} data-testid="backup" data-name={b.name}>
              <header className="card-head">
                <span className="title">{b.name}</span>
                <span className="chip">{size(b.size)}</span>
              </header>
              <p className="meta" data-testid="backup-meta">
                made {ago(b.created_at)} · {b.counts.tasks ?? 0} tasks · {b.counts.events ?? 0} events · schema{' '}
                {b.schema_revision ?? '?'} · cco {b.cco_version}
              </p>
              <p className="meta">
                <code>{b.path}</code>
              </p>
            </article>
          ))}
        </div>
      )}
    </section>
  );
}
