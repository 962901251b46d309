import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { CompiledFlow } from '../../core/flow/compile.ts';
import type { FlowDocument } from '../../core/flow/document.ts';
import type { RejectReason, TaskWrite } from '../../core/engine/transitions.ts';
import type { TaskSnapshot } from '../../core/engine/task.ts';
import type { AssetRecord } from '../../core/ports/assets.ts';
import type { OpenedAttempt } from '../../core/ports/attempts.ts';
import type { RunRecord, StoredEvent, TaskFilter, TaskRecord } from '../../core/ports/read-model.ts';
import type { CreatedTask, NewTask, WriteOutcome } from '../../core/ports/task-state.ts';
import type { TaskStore } from '../../core/ports/task-store.ts';
import type { WebhookAttempt, WebhookEvent, WebhookOutbox } from '../../core/ports/webhook-outbox.ts';
import { type MysqlHandle, parseJson, type Rows } from './connection.ts';
import { GroupCommit } from './group-commit.ts';
import { withDbRetry } from './retryable.ts';
import { answerRejections, assets, componentRuns, events, flowVersions, secrets, tasks, webhookAttempts } from './schema.ts';
import { toAsset, toEvent, toRecord, toRun } from './rows.ts';
import { applyWrite } from './steps/apply-write.ts';
import { claimWebhookEvents } from './steps/claim-webhook-events.ts';
import { createChildren } from './steps/create-children.ts';
import { createTask } from './steps/create-task.ts';
import { findIdleTasks } from './steps/find-idle-tasks.ts';
import { outputsOf } from './steps/outputs-of.ts';
import { readTask } from './steps/read-task.ts';
import { recordWebhookAttempt } from './steps/record-webhook-attempt.ts';
import { startAttempt } from './steps/start-attempt.ts';
import { startRun } from './steps/start-run.ts';

/**
 * The distributed back end's store. The hot steps (create, read, apply a
 * write, start an attempt) are hand-written SQL in `steps/`, each one round
 * trip; a transition's write and a worker's attempt opening go through group
 * commit, sharing a transaction with the others ready at the same moment. The
 * views for people (show, list, events) go through drizzle. Every call is
 * retried on deadlocks, lock-wait timeouts and lost connections, so a MySQL
 * outage of a few seconds stalls work instead of losing it.
 */
export class MysqlStore implements TaskStore, WebhookOutbox {
  /** Transitions and attempt openings ready at the same moment share one transaction and round trip. */
  private readonly commits: GroupCommit;

  constructor(readonly handle: MysqlHandle) {
    this.commits = new GroupCommit(handle.batchPool);
  }

  private get pool() {
    return this.handle.pool;
  }

  async saveFlowVersion(flow: CompiledFlow): Promise<void> {
    await withDbRetry(() =>
      this.handle.db
        .insert(flowVersions)
        .ignore()
        .values({ hash: flow.hash, name: flow.name, version: flow.version, content: flow.document, createdAt: new Date() }),
    );
  }

  async loadFlowVersion(hash: string): Promise<FlowDocument | undefined> {
    const rows = await withDbRetry(() => this.handle.db.select().from(flowVersions).where(eq(flowVersions.hash, hash)));
    return rows[0] && parseJson<FlowDocument>(rows[0].content);
  }

  createTask(task: NewTask): Promise<CreatedTask> {
    return withDbRetry(() => createTask(this.handle.batchPool, task));
  }

  createChildren(children: readonly NewTask[]): Promise<CreatedTask[]> {
    return withDbRetry(() => createChildren(this.handle.batchPool, children));
  }

  readTask(id: string): Promise<TaskSnapshot | undefined> {
    return withDbRetry(() => readTask(this.pool, id));
  }

  applyWrite(write: TaskWrite): Promise<WriteOutcome> {
    return this.commits.run(applyWrite(write));
  }

  startRun(taskId: string, component: string, attempt: number, worker: string): Promise<boolean> {
    return withDbRetry(() => startRun(this.pool, taskId, component, attempt, worker));
  }

  startAttempt(taskId: string, component: string, attempt: number, worker: string, depends: readonly string[]): Promise<OpenedAttempt | undefined> {
    return this.commits.run(startAttempt(taskId, component, attempt, worker, depends));
  }

  outputsOf(taskId: string, components: readonly string[]): Promise<Record<string, unknown>> {
    return withDbRetry(() => outputsOf(this.pool, taskId, components));
  }

  async recordRejection(taskId: string, component: string, attempt: number, reason: RejectReason): Promise<void> {
    await withDbRetry(() =>
      this.handle.db.insert(answerRejections).values({ taskId, component, attempt, reason, createdAt: new Date() }),
    );
  }

  async countRejections(taskId?: string): Promise<Record<string, number>> {
    const rows = await this.handle.db
      .select({ reason: answerRejections.reason, n: sql<number>`count(*)` })
      .from(answerRejections)
      .where(taskId ? eq(answerRejections.taskId, taskId) : undefined)
      .groupBy(answerRejections.reason);
    return Object.fromEntries(rows.map((r) => [r.reason, Number(r.n)]));
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    const rows = await withDbRetry(() => this.handle.db.select().from(tasks).where(eq(tasks.id, id)));
    return rows[0] && toRecord(rows[0]);
  }

  async listTasks(filter: TaskFilter): Promise<TaskRecord[]> {
    const where = and(
      filter.status ? eq(tasks.status, filter.status) : undefined,
      filter.phase ? eq(tasks.phase, filter.phase) : undefined,
    );
    const rows = await this.handle.db.select().from(tasks).where(where).orderBy(desc(tasks.createdAt)).limit(filter.limit ?? 50);
    return rows.map(toRecord);
  }

  async listRuns(taskId: string): Promise<RunRecord[]> {
    const rows = await this.handle.db
      .select()
      .from(componentRuns)
      .where(eq(componentRuns.taskId, taskId))
      .orderBy(asc(componentRuns.queuedAt), asc(componentRuns.component), asc(componentRuns.attempt));
    return rows.map(toRun);
  }

  async listEvents(taskId: string, afterId = 0): Promise<StoredEvent[]> {
    const rows = await this.handle.db
      .select()
      .from(events)
      .where(and(eq(events.taskId, taskId), gt(events.id, afterId)))
      .orderBy(asc(events.id));
    return rows.map(toEvent);
  }

  async listChildren(parentId: string, component?: string, attempt?: number): Promise<TaskSnapshot[]> {
    const rows = await withDbRetry(() =>
      this.handle.db
        .select()
        .from(tasks)
        .where(and(
          eq(tasks.parentId, parentId),
          component !== undefined ? eq(tasks.parentComponent, component) : undefined,
          attempt !== undefined ? eq(tasks.parentAttempt, attempt) : undefined,
        ))
        .orderBy(asc(tasks.sceneIndex)),
    );
    return rows.map(toRecord);
  }

  async recordAssets(list: readonly AssetRecord[]): Promise<void> {
    if (list.length === 0) return;
    await withDbRetry(() => this.handle.db.insert(assets).values(list.map((a) => ({ ...a, createdAt: new Date() }))));
  }

  async listAssets(taskId: string): Promise<Array<AssetRecord & { id: number }>> {
    const rows = await this.handle.db.select().from(assets).where(eq(assets.taskId, taskId)).orderBy(asc(assets.id));
    return rows.map(toAsset);
  }

  async getAsset(id: number): Promise<(AssetRecord & { id: number }) | undefined> {
    const rows = await this.handle.db.select().from(assets).where(eq(assets.id, id));
    return rows[0] && toAsset(rows[0]);
  }

  async listEventsOf(taskIds: readonly string[], afterId: number, limit: number): Promise<StoredEvent[]> {
    if (taskIds.length === 0) return [];
    const rows = await this.handle.db
      .select()
      .from(events)
      .where(and(inArray(events.taskId, [...taskIds]), gt(events.id, afterId)))
      .orderBy(asc(events.id))
      .limit(limit);
    return rows.map(toEvent);
  }

  async countTasksByStatus(): Promise<Array<{ phase: string; status: string; count: number }>> {
    const rows = await this.handle.db
      .select({ phase: tasks.phase, status: tasks.status, count: sql<number>`count(*)` })
      .from(tasks)
      .groupBy(tasks.phase, tasks.status);
    return rows.map((r) => ({ ...r, count: Number(r.count) }));
  }

  claimWebhookEvents(limit: number, leaseMs: number, maxAttempts: number): Promise<WebhookEvent[]> {
    return withDbRetry(() => claimWebhookEvents(this.handle.batchPool, limit, leaseMs, maxAttempts));
  }

  recordWebhookAttempt(attempt: WebhookAttempt): Promise<void> {
    return withDbRetry(() => recordWebhookAttempt(this.handle.batchPool, attempt));
  }

  async releaseWebhookEvent(eventId: number): Promise<void> {
    await withDbRetry(() => this.pool.execute('UPDATE events SET next_delivery_at = NULL WHERE id = ? AND delivered_at IS NULL', [eventId]));
  }

  async listWebhookAttempts(taskId: string) {
    const rows = await this.handle.db.select().from(webhookAttempts).where(eq(webhookAttempts.taskId, taskId)).orderBy(asc(webhookAttempts.id));
    return rows.map((r) => ({ eventId: r.eventId, attempt: r.attempt, ok: r.ok, statusCode: r.statusCode, error: r.error }));
  }

  async unusedAssetPaths(abandonedBefore: Date): Promise<string[]> {
    const [rows] = await this.pool.query<Rows>(
      `SELECT a.path FROM assets a LEFT JOIN tasks t ON t.id = a.task_id GROUP BY a.path
       HAVING SUM(t.phase = 'completed' OR (t.phase IN ('queued', 'running') AND t.updated_at >= ?)) = 0`,
      [abandonedBefore],
    );
    return rows.map((r) => String(r.path));
  }

  async forgetAssets(paths: readonly string[]): Promise<void> {
    if (paths.length > 0) await this.pool.query('DELETE FROM assets WHERE path IN (?)', [paths]);
  }

  async secret(name: string, generate: () => string): Promise<string> {
    await withDbRetry(() => this.handle.db.insert(secrets).ignore().values({ name, value: generate(), createdAt: new Date() }));
    const rows = await withDbRetry(() => this.handle.db.select().from(secrets).where(eq(secrets.name, name)));
    return rows[0]!.value;
  }

  findIdleTasks(idleMs: number, limit: number): Promise<TaskSnapshot[]> {
    return withDbRetry(() => findIdleTasks(this.pool, idleMs, limit));
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
