// The lists the views show. The API pages its lists (oldest first, `limit`/`offset`), so:
// everything that can still need attention, all pages of it; of what is finished, the newest.
import { api, call, type Instance, type Task, type TaskStatus } from './client';
import type { components } from './schema';

const PAGE = 1000;
export const RECENT = 50; // finished tasks per column, ended instances

async function allPages<T extends { id: string }>(
  get: (page: { limit: number; offset: number }) => Promise<T[]>,
): Promise<T[]> {
  const seen = new Map<string, T>();
  for (let offset = 0; offset < 100 * PAGE; offset += PAGE) {
    const page = await get({ limit: PAGE, offset });
    page.forEach((item) => seen.set(item.id, item));
    if (page.length !== PAGE) break; // a short page (or an answer that was not paged)
  }
  return [...seen.values()];
}

export interface TaskList {
  tasks: Task[];
  /** How many tasks have each status (the columns of finished ones show only the newest). */
  counts: Record<string, number>;
}

/** Open tasks (all of them) and the newest RECENT of each finished status (the server says
 * which statuses are open and which are finished). */
export async function loadTasks(): Promise<TaskList> {
  const status = await api.status();
  const open: TaskStatus[] = status.groups.open_tasks;
  const [openTasks, finished] = await Promise.all([
    allPages((page) => api.tasks({ status: open, ...page })),
    loadFinished(status.groups.finished_tasks, status.tasks),
  ]);
  return { tasks: [...openTasks, ...finished], counts: status.tasks };
}

async function loadFinished(statuses: TaskStatus[], counts: Record<string, number>): Promise<Task[]> {
  const finished = await Promise.all(
    statuses.map(async (s) => {
      const count = counts[s] ?? 0;
      if (!count) return [];
      const newest = await api.tasks({ status: [s], offset: Math.max(0, count - RECENT), limit: RECENT });
      return newest.slice(-RECENT);
    }),
  );
  return finished.flat();
}

/** Live instances (all of them) and the newest RECENT of any status. */
export async function loadInstances(): Promise<Instance[]> {
  const [live, status] = await Promise.all([
    allPages((page) => api.instances({ live: true, ...page })),
    api.status(),
  ]);
  const total = Object.values(status.instances).reduce((a, b) => a + b, 0);
  const newest = total
    ? (await api.instances({ offset: Math.max(0, total - RECENT), limit: RECENT })).slice(-RECENT)
    : [];
  const byId = new Map(newest.map((i) => [i.id, i]));
  live.forEach((i) => byId.set(i.id, i));
  return [...byId.values()];
}

export type Worktree = components['schemas']['WorktreeOut'];
export type HistoryEvent = components['schemas']['EventOut'];

/** One worktree by id (the API lists them; there are a few per repository), or null if gone. */
export async function loadWorktree(id: string): Promise<Worktree | null> {
  const all = await call('get', '/api/worktrees', {});
  return all.find((w) => w.id === id) ?? null;
}

/** The events of one entity after an id, oldest first, a page at a time. */
export function entityEvents(entityId: string, afterId: number, limit = 1000): Promise<HistoryEvent[]> {
  return call('get', '/api/events', { query: { entity_id: entityId, after_id: afterId, limit } });
}
