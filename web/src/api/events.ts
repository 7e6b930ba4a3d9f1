// Generated from src/cc_orchestrator/domain/events.py by `python -m cc_orchestrator.web.eventgen`
// (scripts/build-dashboard runs it). Do not edit: change the vocabulary and regenerate.

/** What every event has; `data` is its kind's payload. */
export interface EventOf<K extends string, E extends string, D> {
  id: number;
  ts: string;
  kind: K;
  entity_type: E;
  entity_id: string;
  data: D;
}

export type TaskStatus = 'pending' | 'ready' | 'running' | 'needs_input' | 'review' | 'done' | 'failed' | 'cancelled' | 'blocked';
export type InstanceStatus = 'starting' | 'idle' | 'working' | 'waiting_input' | 'exited' | 'failed' | 'stopped';
export type InboxStatus = 'pending' | 'done' | 'ignored' | 'failed';

/** repo.added: A repository was first used (by a worktree, an instance or a task). */
export interface RepoAdded {
  path: string;
}
export type RepoAddedEvent = EventOf<'repo.added', 'repository', RepoAdded>;

/** worktree.created: A worktree is ready: git made it, its merges and its setup command succeeded. */
export interface WorktreeCreated {
  worktree_id: string;
  path: string;
  branch: string;
  base: string;
  repo: string;
}
export type WorktreeCreatedEvent = EventOf<'worktree.created', 'worktree', WorktreeCreated>;

/** worktree.removed: A worktree is gone: removed, undone after a failed creation, or cleaned up. */
export interface WorktreeRemoved {
  worktree_id: string;
  path: string;
  reason: string;
  notes: string[];
}
export type WorktreeRemovedEvent = EventOf<'worktree.removed', 'worktree', WorktreeRemoved>;

/** task.created: A task was added. */
export interface TaskCreated {
  task_id: string;
  status: TaskStatus;
  title: string;
  depends_on: string[];
}
export type TaskCreatedEvent = EventOf<'task.created', 'task', TaskCreated>;

/** task.edited: A task's fields were changed (`fields` names them). */
export interface TaskEdited {
  task_id: string;
  fields: string[];
}
export type TaskEditedEvent = EventOf<'task.edited', 'task', TaskEdited>;

/** task.status: A task moved from one status to another, and why. */
export interface TaskStatusChanged {
  task_id: string;
  status: TaskStatus;
  previous: TaskStatus;
  reason: string;
}
export type TaskStatusChangedEvent = EventOf<'task.status', 'task', TaskStatusChanged>;

/** task.result: A task's agent finished its turn: what its branch holds now. */
export interface TaskResult {
  task_id: string;
  committed_leftovers: boolean;
  commits_ahead: number;
  files_changed: number;
  cost_usd: number;
  permission_denials: ({ tool: string; detail: string })[];
}
export type TaskResultEvent = EventOf<'task.result', 'task', TaskResult>;

/** task.restart_start: A task is started again: its start before was interrupted before its agent ran. */
export interface TaskRestartStart {
  task_id: string;
  reason: string;
}
export type TaskRestartStartEvent = EventOf<'task.restart_start', 'task', TaskRestartStart>;

/** task.approving: An approve was recorded before it merges: how, into which branch, which commit. */
export interface TaskApproving {
  task_id: string;
  how: string;
  into: string | null;
  branch: string;
  tip: string;
  remove_worktree: boolean;
  reason: string | null;
}
export type TaskApprovingEvent = EventOf<'task.approving', 'task', TaskApproving>;

/** task.approved: A task was approved: merged (or left for a pull request), its worktree removed. */
export interface TaskApproved {
  task_id: string;
  merged_into: string | null;
  branch: string | null;
  notes: string[];
}
export type TaskApprovedEvent = EventOf<'task.approved', 'task', TaskApproved>;

/** task.approve_failed: An approve gave up before merging anything: the task is in review as before. */
export interface TaskApproveFailed {
  task_id: string;
}
export type TaskApproveFailedEvent = EventOf<'task.approve_failed', 'task', TaskApproveFailed>;

/** task.over_budget: The task's agent spent more than the task's budget: it is stopped and the task failed. */
export interface TaskOverBudget {
  task_id: string;
  cost_usd: number;
  max_cost_usd: number;
}
export type TaskOverBudgetEvent = EventOf<'task.over_budget', 'task', TaskOverBudget>;

/** task.linked: A task was made from a tracker's issue (or linked to one). */
export interface TaskLinked {
  task_id: string;
  tracker: string;
  project: string;
  key: string;
  url: string;
}
export type TaskLinkedEvent = EventOf<'task.linked', 'task', TaskLinked>;

/** task.pr_requested: The task's work is to land as a pull request: its branch is pushed and a PR opened (through the outbox, so this survives GitHub being down and cco being killed). */
export interface TaskPrRequested {
  task_id: string;
  repo: string;
  head: string;
  base: string;
}
export type TaskPrRequestedEvent = EventOf<'task.pr_requested', 'task', TaskPrRequested>;

/** task.pr_opened: The task's pull request is open (or was found open already). */
export interface TaskPrOpened {
  task_id: string;
  repo: string;
  number: number;
  url: string;
  head: string;
  base: string;
}
export type TaskPrOpenedEvent = EventOf<'task.pr_opened', 'task', TaskPrOpened>;

/** task.pr_pushed: New commits of the task's branch were pushed to its pull request. */
export interface TaskPrPushed {
  task_id: string;
  number: number;
  sha: string;
}
export type TaskPrPushedEvent = EventOf<'task.pr_pushed', 'task', TaskPrPushed>;

/** task.pr_updated: The pull request's base was merged into the task's branch (on request): to be pushed. */
export interface TaskPrUpdated {
  task_id: string;
  number: number;
  base: string;
  sha: string;
}
export type TaskPrUpdatedEvent = EventOf<'task.pr_updated', 'task', TaskPrUpdated>;

/** task.pr_checks: The checks of the pull request's head commit changed state. */
export interface TaskPrChecks {
  task_id: string;
  number: number;
  checks: 'pending' | 'success' | 'failure';
  failing: string[];
}
export type TaskPrChecksEvent = EventOf<'task.pr_checks', 'task', TaskPrChecks>;

/** task.pr_feedback: Failing CI or a review asking for changes was sent back to the task's agent. */
export interface TaskPrFeedback {
  task_id: string;
  number: number;
  source: 'ci' | 'review';
  round: number;
  rounds: number;
  detail?: string;
}
export type TaskPrFeedbackEvent = EventOf<'task.pr_feedback', 'task', TaskPrFeedback>;

/** task.pr_closed: The pull request was merged (the task is done) or closed unmerged (cancelled). */
export interface TaskPrClosed {
  task_id: string;
  number: number;
  merged: boolean;
}
export type TaskPrClosedEvent = EventOf<'task.pr_closed', 'task', TaskPrClosed>;

/** task.subtask: This task's agent created a subtask (create_task). */
export interface TaskSubtask {
  task_id: string;
  subtask_id: string;
  title: string;
  depth: number;
  waits: boolean;
}
export type TaskSubtaskEvent = EventOf<'task.subtask', 'task', TaskSubtask>;

/** task.message: A message for this task's agent was queued (send_message, a person, or cco's wake). */
export interface TaskMessage {
  task_id: string;
  message_id: number;
  sender: string;
  kind: string;
  chars: number;
  from_task_id?: string;
}
export type TaskMessageEvent = EventOf<'task.message', 'task', TaskMessage>;

/** task.message_sent: This task's agent sent a message to another task's agent. */
export interface TaskMessageSent {
  task_id: string;
  to_task_id: string;
  message_id: number;
  chars: number;
}
export type TaskMessageSentEvent = EventOf<'task.message_sent', 'task', TaskMessageSent>;

/** task.messages_delivered: Queued messages were typed into this task's agent as one user turn. */
export interface TaskMessagesDelivered {
  task_id: string;
  message_ids: number[];
}
export type TaskMessagesDeliveredEvent = EventOf<'task.messages_delivered', 'task', TaskMessagesDelivered>;

/** task.progress: This task's agent reported its progress (report_progress). */
export interface TaskProgress {
  task_id: string;
  text: string;
}
export type TaskProgressEvent = EventOf<'task.progress', 'task', TaskProgress>;

/** task.waiting: This task's agent waits for other tasks (empty: it stopped waiting). */
export interface TaskWaiting {
  task_id: string;
  waiting_for: string[];
  reason: string;
}
export type TaskWaitingEvent = EventOf<'task.waiting', 'task', TaskWaiting>;

/** task.review_requested: This task's agent asked for review with a summary (its turn's end moves it there). */
export interface TaskReviewRequested {
  task_id: string;
  summary: string;
}
export type TaskReviewRequestedEvent = EventOf<'task.review_requested', 'task', TaskReviewRequested>;

/** instance.created: An instance was recorded, before its worktree and session exist. */
export interface InstanceCreated {
  instance_id: string;
  name: string;
  task_id?: string;
  status: InstanceStatus;
  agent: string;
  mode: string;
}
export type InstanceCreatedEvent = EventOf<'instance.created', 'instance', InstanceCreated>;

/** instance.started: An instance's tmux session runs its agent in its worktree. */
export interface InstanceStarted {
  instance_id: string;
  name: string;
  task_id?: string;
  session: string;
  worktree_id: string;
  path: string;
}
export type InstanceStartedEvent = EventOf<'instance.started', 'instance', InstanceStarted>;

/** instance.status: An instance's status changed, and why (`restarts` when it was restarted). */
export interface InstanceStatusChanged {
  instance_id: string;
  name: string;
  task_id?: string;
  status: InstanceStatus;
  previous?: InstanceStatus;
  reason: string;
  restarts?: number;
}
export type InstanceStatusChangedEvent = EventOf<'instance.status', 'instance', InstanceStatusChanged>;

/** instance.input: Text was typed into an instance (its length only, never the text). */
export interface InstanceInput {
  instance_id: string;
  name: string;
  task_id?: string;
  chars: number;
  answered: boolean;
}
export type InstanceInputEvent = EventOf<'instance.input', 'instance', InstanceInput>;

/** instance.result: A headless turn's result, as its agent reported it. */
export interface InstanceResult {
  instance_id: string;
  name: string;
  task_id?: string;
  is_error: boolean;
  num_turns: number | null;
  cost_usd: number | null;
  subtype: string | null;
}
export type InstanceResultEvent = EventOf<'instance.result', 'instance', InstanceResult>;

/** instance.dialog: cco answered one of the agent's own start-up dialogs (trust this folder, say). */
export interface InstanceDialog {
  instance_id: string;
  name: string;
  task_id?: string;
  answered: string;
}
export type InstanceDialogEvent = EventOf<'instance.dialog', 'instance', InstanceDialog>;

/** instance.restart_failed: An automatic restart after a failure could not start the agent. */
export interface InstanceRestartFailed {
  instance_id: string;
  name: string;
  task_id?: string;
  error: string;
}
export type InstanceRestartFailedEvent = EventOf<'instance.restart_failed', 'instance', InstanceRestartFailed>;

/** instance.answered: A permission question was answered: which choice, through which channel, by whom. */
export interface InstanceAnswered {
  instance_id: string;
  name: string;
  task_id?: string;
  question_id: string;
  tool: string;
  subject: string;
  decision: 'allow' | 'deny' | 'choice';
  choice: string;
  label: string;
  kind: 'allow_once' | 'allow_always' | 'allow_auto' | 'deny' | 'other';
  via: 'hook' | 'keys';
  by: string;
  message: boolean;
}
export type InstanceAnsweredEvent = EventOf<'instance.answered', 'instance', InstanceAnswered>;

/** daemon.unhealthy: The daemon found it had died without stopping (what: crashed), or its passes keep failing (what: failing, with the error); entity_id is the daemon's host:pid. */
export interface DaemonUnhealthy {
  what: 'crashed' | 'failing';
  pid: number;
  reason: string;
}
export type DaemonUnhealthyEvent = EventOf<'daemon.unhealthy', 'daemon', DaemonUnhealthy>;

/** delivery.failed: A notification (or other outside delivery) was refused for good or not taken in time; `cco notifications retry` sends it again. */
export interface DeliveryFailed {
  delivery_id: number;
  subscriber: string;
  channel: string;
  kind: string;
  error: string;
}
export type DeliveryFailedEvent = EventOf<'delivery.failed', 'delivery', DeliveryFailed>;

/** webhook.received: A webhook delivery was stored in the inbox (entity_id: its delivery id, as the sender gave it): pending, for the daemon to apply, or ignored (an event cco does not apply, such as ping). A redelivery of the same id stores nothing and records no event. */
export interface WebhookReceived {
  source: string;
  event: string;
  action: string | null;
  status: InboxStatus;
}
export type WebhookReceivedEvent = EventOf<'webhook.received', 'webhook', WebhookReceived>;

/** backup.made: A backup of the fleet's state was written (`cco backup`, the API, or the schedule). */
export interface BackupMade {
  path: string;
  size: number;
  tasks: number;
  events: number;
  scheduled: boolean;
}
export type BackupMadeEvent = EventOf<'backup.made', 'backup', BackupMade>;

/** backup.failed: A backup could not be made; nothing was left under its name. */
export interface BackupFailed {
  path: string;
  error: string;
  scheduled: boolean;
}
export type BackupFailedEvent = EventOf<'backup.failed', 'backup', BackupFailed>;

/** backup.restored: The fleet's state was restored from this backup (`cco restore`). */
export interface BackupRestored {
  path: string;
  made_at: string;
  schema_revision: string;
  set_aside: string | null;
}
export type BackupRestoredEvent = EventOf<'backup.restored', 'backup', BackupRestored>;

/** Every event cco records, discriminated on `kind`. */
export type CcoEvent =
  | RepoAddedEvent
  | WorktreeCreatedEvent
  | WorktreeRemovedEvent
  | TaskCreatedEvent
  | TaskEditedEvent
  | TaskStatusChangedEvent
  | TaskResultEvent
  | TaskRestartStartEvent
  | TaskApprovingEvent
  | TaskApprovedEvent
  | TaskApproveFailedEvent
  | TaskOverBudgetEvent
  | TaskLinkedEvent
  | TaskPrRequestedEvent
  | TaskPrOpenedEvent
  | TaskPrPushedEvent
  | TaskPrUpdatedEvent
  | TaskPrChecksEvent
  | TaskPrFeedbackEvent
  | TaskPrClosedEvent
  | TaskSubtaskEvent
  | TaskMessageEvent
  | TaskMessageSentEvent
  | TaskMessagesDeliveredEvent
  | TaskProgressEvent
  | TaskWaitingEvent
  | TaskReviewRequestedEvent
  | InstanceCreatedEvent
  | InstanceStartedEvent
  | InstanceStatusChangedEvent
  | InstanceInputEvent
  | InstanceResultEvent
  | InstanceDialogEvent
  | InstanceRestartFailedEvent
  | InstanceAnsweredEvent
  | DaemonUnhealthyEvent
  | DeliveryFailedEvent
  | WebhookReceivedEvent
  | BackupMadeEvent
  | BackupFailedEvent
  | BackupRestoredEvent;
export type EventKind = CcoEvent['kind'];
export type EntityType = CcoEvent['entity_type'];
export type EventOfKind<K extends EventKind> = Extract<CcoEvent, { kind: K }>;
export type EventAbout<E extends EntityType> = Extract<CcoEvent, { entity_type: E }>;

export const EVENT_KINDS: readonly EventKind[] = [
  'repo.added',
  'worktree.created',
  'worktree.removed',
  'task.created',
  'task.edited',
  'task.status',
  'task.result',
  'task.restart_start',
  'task.approving',
  'task.approved',
  'task.approve_failed',
  'task.over_budget',
  'task.linked',
  'task.pr_requested',
  'task.pr_opened',
  'task.pr_pushed',
  'task.pr_updated',
  'task.pr_checks',
  'task.pr_feedback',
  'task.pr_closed',
  'task.subtask',
  'task.message',
  'task.message_sent',
  'task.messages_delivered',
  'task.progress',
  'task.waiting',
  'task.review_requested',
  'instance.created',
  'instance.started',
  'instance.status',
  'instance.input',
  'instance.result',
  'instance.dialog',
  'instance.restart_failed',
  'instance.answered',
  'daemon.unhealthy',
  'delivery.failed',
  'webhook.received',
  'backup.made',
  'backup.failed',
  'backup.restored',
];

/** An event as the API or the WebSocket sends it: its kind is any string there. */
export interface AnyEvent {
  id: number;
  ts: string;
  kind: string;
  entity_type: string;
  entity_id: string;
  data?: unknown;
}

/** The event as its kind's type, or null for a kind this dashboard does not know. */
export function known(event: AnyEvent): CcoEvent | null {
  const kinds: readonly string[] = EVENT_KINDS;
  return kinds.includes(event.kind) ? (event as CcoEvent) : null;
}
