// A small fetch client typed by the OpenAPI schema (src/api/schema.ts, `npm run gen:api`).
import type { components, paths } from './schema';

type Schemas = components['schemas'];
export type Task = Schemas['TaskOut'];
export type TaskStatus = Schemas['TaskStatus'];
/** What a task allows now (the server's rules, domain/actions.py): offer only these. */
export type TaskAction = Schemas['TaskAction'];
export type TaskCreate = Schemas['TaskCreate'];
export type TaskEdit = Schemas['TaskEdit'];
export type Instance = Schemas['InstanceOut'];
export type InstanceStatus = Schemas['InstanceStatus'];
export type InstanceAction = Schemas['InstanceAction'];
export type Status = Schemas['Status'];
export type Health = Schemas['Health'];
export type Repository = Schemas['RepositoryOut'];
export type DepsOut = Schemas['DepsOut'];
export type Message = Schemas['MessageOut'];
export type LogLines = Schemas['LogLines'];
export type ErrorBody = Schemas['ErrorBody'];
export type AnswerBody = Schemas['AnswerBody'];
export type Delivery = Schemas['DeliveryOut'];
export type DeliveryStatus = Schemas['DeliveryStatus'];
export type Channel = Schemas['ChannelOut'];
export type TestOutcome = Schemas['TestOut'];
export type Backup = Schemas['BackupOut'];
export type StatsGroup = Schemas['GroupOut'];
export type StatsTask = Schemas['TaskStatsOut'];

export type TaskQuery = NonNullable<paths['/api/tasks']['get']['parameters']['query']>;
export type InstanceQuery = NonNullable<paths['/api/instances']['get']['parameters']['query']>;
export type DeliveryQuery = NonNullable<paths['/api/notifications']['get']['parameters']['query']>;

type Method = 'get' | 'post' | 'patch' | 'delete';
type Op<P extends keyof paths, M extends Method> = paths[P] extends Record<M, infer O> ? O : never;
/** The paths that have an operation for this method. */
type PathFor<M extends Method> = {
  [P in keyof paths]: paths[P] extends Record<M, object> ? P : never;
}[keyof paths];

type PathParams<O> = O extends { parameters: { path: infer X } } ? X : never;
type QueryParams<O> = O extends { parameters: { query?: infer Q } } ? Q : never;
type BodyOf<O> = O extends { requestBody?: { content: { 'application/json': infer B } } }
  ? B
  : never;
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : unknown;
type Ok<O> = O extends { responses: infer R }
  ? 200 extends keyof R
    ? JsonOf<R[200]>
    : 201 extends keyof R
      ? JsonOf<R[201]>
      : unknown
  : never;

type IfAny<X, T> = [X] extends [never] ? unknown : [X] extends [undefined] ? unknown : T;
export type Options<O> = IfAny<PathParams<O>, { path: PathParams<O> }> &
  IfAny<QueryParams<O>, { query?: QueryParams<O> }> &
  IfAny<BodyOf<O>, { body?: BodyOf<O> }>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly hint?: string | null,
  ) {
    super(message);
  }
}

const unauthorized = new Set<() => void>();
/** Called whenever the server answers 401 (or closes a WebSocket with 4401). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorized.add(listener);
  return () => unauthorized.delete(listener);
}
export function reportUnauthorized(): void {
  unauthorized.forEach((listener) => listener());
}

// Bumped by every new login: a 401 to a request sent before it says nothing about the new
// token (it was in flight while the user typed), so it must not ask for a token again.
let tokenGeneration = 0;

/** Exchange the token for the server's HttpOnly cookie (the page never holds it). */
export async function login(token: string): Promise<void> {
  tokenGeneration += 1;
  await call('post', '/api/login', { body: { token } });
}

function fill(template: string, params: Record<string, unknown> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) =>
    encodeURIComponent(String(params?.[key] ?? '')),
  );
}

function queryString(query: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export async function call<M extends Method, P extends PathFor<M>>(
  method: M,
  path: P,
  options: Options<Op<P, M>>,
): Promise<Ok<Op<P, M>>> {
  const opts = options as { path?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown };
  const url = fill(path, opts.path) + queryString(opts.query);
  const init: RequestInit = { method: method.toUpperCase(), credentials: 'same-origin' };
  // every change is JSON or carries X-CCO-Request: what a form or a no-cors fetch cannot send
  const headers: Record<string, string> = method === 'get' ? {} : { 'x-cco-request': '1' };
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  init.headers = headers;
  const generation = tokenGeneration;
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, 'NetworkError', 'the server cannot be reached');
  }
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    if (response.status === 401 && generation === tokenGeneration) reportUnauthorized();
    const error = (data as { error?: ErrorBody } | null)?.error;
    throw new ApiError(
      response.status,
      error?.type ?? 'HTTPError',
      error?.message ?? `${response.status} ${response.statusText}`,
      error?.hint,
    );
  }
  return data as Ok<Op<P, M>>;
}

const id = (task_id: string) => ({ path: { task_id } });
const inst = (instance_id: string) => ({ path: { instance_id } });

export const api = {
  health: () => call('get', '/api/health', {}),
  status: () => call('get', '/api/status', {}),
  repositories: () => call('get', '/api/repositories', {}),
  tasks: (query: TaskQuery = {}) => call('get', '/api/tasks', { query }),
  task: (taskId: string) => call('get', '/api/tasks/{task_id}', id(taskId)),
  deps: (taskId: string) => call('get', '/api/tasks/{task_id}/deps', id(taskId)),
  createTask: (body: TaskCreate) => call('post', '/api/tasks', { body }),
  editTask: (taskId: string, body: TaskEdit) =>
    call('patch', '/api/tasks/{task_id}', { ...id(taskId), body }),
  startTask: (taskId: string) => call('post', '/api/tasks/{task_id}/start', id(taskId)),
  cancelTask: (taskId: string) => call('post', '/api/tasks/{task_id}/cancel', id(taskId)),
  retryTask: (taskId: string) => call('post', '/api/tasks/{task_id}/retry', id(taskId)),
  approveTask: (taskId: string) => call('post', '/api/tasks/{task_id}/approve', id(taskId)),
  updateBranch: (taskId: string) => call('post', '/api/tasks/{task_id}/update-branch', id(taskId)),
  messages: (taskId: string) => call('get', '/api/tasks/{task_id}/messages', id(taskId)),
  sendMessage: (taskId: string, text: string) =>
    call('post', '/api/tasks/{task_id}/messages', { ...id(taskId), body: { text } }),
  rejectTask: (taskId: string, feedback: string) =>
    call('post', '/api/tasks/{task_id}/reject', { ...id(taskId), body: { feedback } }),
  instances: (query: InstanceQuery = {}) => call('get', '/api/instances', { query }),
  instance: (instanceId: string) => call('get', '/api/instances/{instance_id}', inst(instanceId)),
  send: (instanceId: string, text: string, force = false) =>
    call('post', '/api/instances/{instance_id}/send', {
      ...inst(instanceId),
      body: { text, force },
    }),
  answer: (instanceId: string, body: AnswerBody) =>
    call('post', '/api/instances/{instance_id}/answer', { ...inst(instanceId), body }),
  stop: (instanceId: string) =>
    call('post', '/api/instances/{instance_id}/stop', {
      ...inst(instanceId),
      body: { remove_worktree: false, force: false },
    }),
  restart: (instanceId: string) =>
    call('post', '/api/instances/{instance_id}/restart', inst(instanceId)),
  deliveries: (query: DeliveryQuery = {}) => call('get', '/api/notifications', { query }),
  channels: () => call('get', '/api/notifications/channels', {}),
  retryDelivery: (deliveryId: number) =>
    call('post', '/api/notifications/{delivery_id}/retry', { path: { delivery_id: deliveryId } }),
  retryFailed: () => call('post', '/api/notifications/retry', {}),
  testNotifications: (channel: string | null = null) =>
    call('post', '/api/notifications/test', { body: { channel } }),
  backups: () => call('get', '/api/backups', {}),
  stats: (since?: string) => call('get', '/api/stats', { query: since ? { since } : {} }),
  makeBackup: () => call('post', '/api/backups', {}),
  log: (instanceId: string, offset: number) =>
    call('get', '/api/instances/{instance_id}/log', { ...inst(instanceId), query: { offset } }),
};

/** ws:// or wss:// URL for a path on this server. */
export function wsUrl(path: string): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${path}`;
}
