import type { ActivityStats } from '../../core/ports/activity.ts';
import type { CompiledFlow } from '../../core/flow/compile.ts';
import type { FlowDocument } from '../../core/flow/document.ts';
import type { RejectReason, TaskWrite } from '../../core/engine/transitions.ts';
import type { TaskSnapshot } from '../../core/engine/task.ts';
import type { AssetRecord, StoredAsset } from '../../core/ports/assets.ts';
import type { OpenedAttempt } from '../../core/ports/attempts.ts';
import type { RunRecord, StoredEvent, TaskFilter, TaskRecord } from '../../core/ports/read-model.ts';
import type { CreatedTask, NewTask, WriteOutcome } from '../../core/ports/task-state.ts';
import type { TaskStore } from '../../core/ports/task-store.ts';
import type { RequestCandidate, ReusedFrom, StoredRequest } from '../../core/ports/request-vectors.ts';
import type { WebhookAttempt, WebhookAttemptRecord, WebhookEvent, WebhookOutbox } from '../../core/ports/webhook-outbox.ts';
import type { MysqlHandle } from './connection.ts';
import { GroupCommit } from './group-commit.ts';
import { withDbRetry } from './retryable.ts';
import { applyWrite } from './steps/apply-write.ts';
import { claimWebhookEvents } from './steps/claim-webhook-events.ts';
import { countRejections } from './steps/count-rejections.ts';
import { activitySince } from './steps/activity-since.ts';
import { countTasksByStatus } from './steps/count-tasks-by-status.ts';
import { createChildren } from './steps/create-children.ts';
import { createReusedTask } from './steps/create-reused-task.ts';
import { createTask } from './steps/create-task.ts';
import { findIdleTasks } from './steps/find-idle-tasks.ts';
import { findTaskIds } from './steps/find-task-ids.ts';
import { forgetAssets } from './steps/forget-assets.ts';
import { forgetRequests } from './steps/forget-requests.ts';
import { getTask } from './steps/get-task.ts';
import { getAsset, listAssets } from './steps/list-assets.ts';
import { listSnapshots, listSnapshotsUnder } from './steps/list-snapshots.ts';
import { saveSnapshot } from './steps/save-snapshot.ts';
import type { NewSnapshot, StoredSnapshot } from '../../core/ports/snapshots.ts';
import { listChildren } from './steps/list-children.ts';
import { chooseTake } from './steps/choose-take.ts';
import { mergeTaskOptions } from './steps/merge-task-options.ts';
import { listEvents, listEventsOf } from './steps/list-events.ts';
import { listRuns } from './steps/list-runs.ts';
import { listTasks } from './steps/list-tasks.ts';
import { listWebhookAttempts } from './steps/list-webhook-attempts.ts';
import { listFlowVersions } from './steps/list-flow-versions.ts';
import { loadFlowVersion } from './steps/load-flow-version.ts';
import { outputsOf } from './steps/outputs-of.ts';
import { readTask } from './steps/read-task.ts';
import { recordAssets } from './steps/record-assets.ts';
import { recordRejection } from './steps/record-rejection.ts';
import { recordWebhookAttempt } from './steps/record-webhook-attempt.ts';
import { rememberRequest } from './steps/remember-request.ts';
import { requestCandidates } from './steps/request-candidates.ts';
import { releaseWebhookRow } from './steps/release-webhook-row.ts';
import { saveFlowVersion } from './steps/save-flow-version.ts';
import { secret } from './steps/secret.ts';
import { serverTime } from './steps/server-time.ts';
import { startAttempt } from './steps/start-attempt.ts';
import { startRun } from './steps/start-run.ts';
import { unusedAssetPaths } from './steps/unused-asset-paths.ts';
import { childTaskIds } from './steps/child-task-ids.ts';
import { countHistory } from './steps/count-history.ts';
import { findFinishedTasks } from './steps/find-finished-tasks.ts';
import { purgeHistory } from './steps/purge-history.ts';
import type { FinishedCursor, FinishedPhase, FinishedTask, HistoryCounts } from '../../core/ports/task-history.ts';

/**
 * The distributed back end's store: a thin class over the steps in `steps/`,
 * one file per SQL operation, each with a header that says what it reads,
 * locks and writes. A transition's write and a worker's attempt opening go
 * through group commit, sharing a transaction with the others ready at the
 * same moment (the group commit retries its batches itself); every other
 * step is retried here, on the errors of the one table in `retryable.ts`, so
 * a MySQL outage of a few seconds stalls work instead of losing it.
 */
export class MysqlStore implements TaskStore, WebhookOutbox {
  /** Transitions and attempt openings ready at the same moment share one transaction and round trip. */
  private readonly commits: GroupCommit;

  constructor(readonly handle: MysqlHandle) {
    this.commits = new GroupCommit(handle.commitPool);
  }

  private get pool() {
    return this.handle.pool;
  }

  private get db() {
    return this.handle.db;
  }

  saveFlowVersion(flow: CompiledFlow): Promise<void> {
    return withDbRetry(() => saveFlowVersion(this.db, flow));
  }

  loadFlowVersion(hash: string): Promise<FlowDocument | undefined> {
    return withDbRetry(() => loadFlowVersion(this.db, hash));
  }

  listFlowVersions(): Promise<FlowDocument[]> {
    return withDbRetry(() => listFlowVersions(this.db));
  }

  createTask(task: NewTask): Promise<CreatedTask> {
    return createTask(this.commits, this.pool, task);
  }

  createReusedTask(task: NewTask, from: ReusedFrom): Promise<CreatedTask | undefined> {
    return withDbRetry(() => createReusedTask(this.handle.batchPool, task, from));
  }

  rememberRequest(request: StoredRequest): Promise<void> {
    return withDbRetry(() => rememberRequest(this.pool, request));
  }

  requestCandidates(settingsHash: string, embedder: string, bucket: string, limit: number): Promise<RequestCandidate[]> {
    return withDbRetry(() => requestCandidates(this.pool, settingsHash, embedder, bucket, limit));
  }

  forgetRequests(taskIds: readonly string[]): Promise<void> {
    return withDbRetry(() => forgetRequests(this.pool, taskIds));
  }

  createChildren(children: readonly NewTask[]): Promise<CreatedTask[]> {
    return withDbRetry(() => createChildren(this.handle.batchPool, children));
  }

  readTask(id: string): Promise<TaskSnapshot | undefined> {
    return withDbRetry(() => readTask(this.pool, id));
  }

  async applyWrite(write: TaskWrite, carry?: readonly string[]): Promise<WriteOutcome> {
    const outcome = await this.commits.run(applyWrite(write, carry));
    if (!('unread' in outcome)) return outcome;
    return { applied: false, current: await this.readTask(write.taskId), ...(outcome.unconfirmed ? { unconfirmed: true as const } : {}) };
  }

  startRun(taskId: string, component: string, attempt: number, worker: string): Promise<boolean> {
    return this.commits.run(startRun(taskId, component, attempt, worker));
  }

  startAttempt(taskId: string, component: string, attempt: number, worker: string, depends: readonly string[]): Promise<OpenedAttempt | undefined> {
    return this.commits.run(startAttempt(taskId, component, attempt, worker, depends));
  }

  outputsOf(taskId: string, components: readonly string[]): Promise<Record<string, unknown>> {
    return withDbRetry(() => outputsOf(this.pool, taskId, components));
  }

  recordRejection(taskId: string, component: string, attempt: number, reason: RejectReason): Promise<void> {
    return withDbRetry(() => recordRejection(this.db, taskId, component, attempt, reason));
  }

  countRejections(taskId?: string): Promise<Record<string, number>> {
    return withDbRetry(() => countRejections(this.db, taskId));
  }

  getTask(id: string): Promise<TaskRecord | undefined> {
    return withDbRetry(() => getTask(this.db, id));
  }

  listTasks(filter: TaskFilter): Promise<TaskRecord[]> {
    return withDbRetry(() => listTasks(this.db, filter));
  }

  findTaskIds(prefix: string, limit: number): Promise<string[]> {
    return withDbRetry(() => findTaskIds(this.db, prefix, limit));
  }

  listRuns(taskId: string): Promise<RunRecord[]> {
    return withDbRetry(() => listRuns(this.db, taskId));
  }

  listEvents(taskId: string, afterId = 0): Promise<StoredEvent[]> {
    return withDbRetry(() => listEvents(this.db, taskId, afterId));
  }

  listChildren(parentId: string, component?: string, attempt?: number): Promise<TaskSnapshot[]> {
    return withDbRetry(() => listChildren(this.db, parentId, component, attempt));
  }

  listTakes(parentId: string, component?: string, attempt?: number): Promise<TaskRecord[]> {
    return withDbRetry(() => listChildren(this.db, parentId, component, attempt, 'all'));
  }

  chooseTake(parentId: string, component: string, attempt: number, scene: number, take: number): Promise<boolean> {
    return withDbRetry(() => chooseTake(this.pool, parentId, component, attempt, scene, take));
  }

  mergeTaskOptions(taskId: string, options: Readonly<Record<string, unknown>>): Promise<boolean> {
    return withDbRetry(() => mergeTaskOptions(this.pool, taskId, options));
  }

  recordAssets(list: readonly AssetRecord[]): Promise<void> {
    return withDbRetry(() => recordAssets(this.db, list));
  }

  listAssets(taskId: string): Promise<StoredAsset[]> {
    return withDbRetry(() => listAssets(this.db, taskId));
  }

  getAsset(id: number): Promise<StoredAsset | undefined> {
    return withDbRetry(() => getAsset(this.db, id));
  }

  // Not retried: an INSERT whose commit was lost in a retryable failure could be written twice.
  saveSnapshot(snapshot: NewSnapshot): Promise<StoredSnapshot> {
    return saveSnapshot(this.db, snapshot);
  }

  listSnapshots(subject: string): Promise<StoredSnapshot[]> {
    return withDbRetry(() => listSnapshots(this.db, subject));
  }

  listSnapshotsUnder(parent: string): Promise<StoredSnapshot[]> {
    return withDbRetry(() => listSnapshotsUnder(this.db, parent));
  }

  listEventsOf(taskIds: readonly string[], afterId: number, limit: number): Promise<StoredEvent[]> {
    return withDbRetry(() => listEventsOf(this.db, taskIds, afterId, limit));
  }

  countTasksByStatus(): Promise<Array<{ phase: string; status: string; count: number }>> {
    return withDbRetry(() => countTasksByStatus(this.db));
  }

  activitySince(since: Date): Promise<ActivityStats> {
    return withDbRetry(() => activitySince(this.pool, since));
  }

  claimWebhookEvents(limit: number, leaseMs: number, maxAttempts: number): Promise<WebhookEvent[]> {
    return withDbRetry(() => claimWebhookEvents(this.handle.batchPool, limit, leaseMs, maxAttempts));
  }

  recordWebhookAttempt(attempt: WebhookAttempt): Promise<void> {
    return withDbRetry(() => recordWebhookAttempt(this.handle.batchPool, attempt));
  }

  releaseWebhookRow(row: number): Promise<void> {
    return withDbRetry(() => releaseWebhookRow(this.pool, row));
  }

  listWebhookAttempts(taskId: string): Promise<WebhookAttemptRecord[]> {
    return withDbRetry(() => listWebhookAttempts(this.db, taskId));
  }

  unusedAssetPaths(abandonedBefore: Date): Promise<string[]> {
    return withDbRetry(() => unusedAssetPaths(this.pool, abandonedBefore));
  }

  forgetAssets(paths: readonly string[]): Promise<void> {
    return withDbRetry(() => forgetAssets(this.pool, paths));
  }

  finishedTasks(phase: FinishedPhase, finishedBefore: Date, cursor: FinishedCursor | undefined, limit: number): Promise<FinishedTask[]> {
    return withDbRetry(() => findFinishedTasks(this.pool, phase, finishedBefore, cursor, limit));
  }

  childTaskIds(parentIds: readonly string[]): Promise<string[]> {
    return withDbRetry(() => childTaskIds(this.pool, parentIds));
  }

  countHistory(taskIds: readonly string[]): Promise<HistoryCounts> {
    return withDbRetry(() => countHistory(this.pool, taskIds));
  }

  // Retried inside, one DELETE at a time: a retry of the whole purge would lose the counts of what it had deleted.
  purgeHistory(taskIds: readonly string[], batch: number): Promise<HistoryCounts> {
    return purgeHistory(this.pool, this.handle.batchPool, taskIds, batch);
  }

  secret(name: string, generate: () => string): Promise<string> {
    return withDbRetry(() => secret(this.db, name, generate));
  }

  /** MySQL's clock, ms since the epoch: the clock callback deadlines and tokens are judged by. */
  serverTime(): Promise<number> {
    return withDbRetry(() => serverTime(this.pool));
  }

  findIdleTasks(idleMs: number, limit: number): Promise<TaskSnapshot[]> {
    return withDbRetry(() => findIdleTasks(this.pool, idleMs, limit));
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
