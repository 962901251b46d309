import type { RunStatus } from '../../core/engine/transitions.ts';
import type { TaskError, TaskPhase } from '../../core/engine/task.ts';
import type { StoredAsset } from '../../core/ports/assets.ts';
import type { RunRecord, StoredEvent, TaskRecord } from '../../core/ports/read-model.ts';
import type { WebhookEvent } from '../../core/ports/webhook-outbox.ts';
import { parseJson, type Rows } from './connection.ts';
import type { assets, componentRuns, events, tasks } from './schema.ts';

/** Rows to records, in one place: the store's reads and the steps that return rows map them here. */

export function toRun(r: typeof componentRuns.$inferSelect): RunRecord {
  return {
    component: r.component,
    attempt: r.attempt,
    status: r.status as RunStatus,
    executions: r.executions,
    cached: r.cached,
    worker: r.worker,
    queuedAt: r.queuedAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    output: r.output === null ? null : parseJson(r.output),
    error: r.error === null ? null : parseJson<TaskError>(r.error),
  };
}

export function toAsset({ createdAt: _c, ...a }: typeof assets.$inferSelect): StoredAsset {
  return a;
}

/** An event row read with plain SQL (snake_case columns) and its task's callback_url. */
export function toWebhookEvent(r: Rows[number]): WebhookEvent {
  return {
    id: Number(r.id), taskId: String(r.task_id), type: String(r.type), slotWord: String(r.slot_word),
    component: r.component === null ? null : String(r.component), attempt: r.attempt === null ? null : Number(r.attempt),
    data: r.data === null ? null : parseJson(r.data), createdAt: r.created_at as Date,
    url: String(r.callback_url), deliveryAttempts: Number(r.delivery_attempts),
  };
}

export function toEvent(e: typeof events.$inferSelect): StoredEvent {
  return {
    id: e.id,
    taskId: e.taskId,
    type: e.type,
    slotWord: e.slotWord.toString(),
    component: e.component,
    attempt: e.attempt,
    data: e.data === null ? null : parseJson(e.data),
    createdAt: e.createdAt,
  };
}

export function toRecord(r: typeof tasks.$inferSelect): TaskRecord {
  return {
    id: r.id,
    flowName: r.flowName,
    flowHash: r.flowHash,
    word: r.slotWord,
    inFlight: r.inFlight,
    version: r.version,
    attempts: parseJson<Record<string, number>>(r.attempts),
    phase: r.phase as TaskPhase,
    status: r.status,
    parentId: r.parentId,
    parentComponent: r.parentComponent,
    parentAttempt: r.parentAttempt,
    sceneIndex: r.sceneIndex,
    error: r.error === null ? null : parseJson<TaskError>(r.error),
    input: parseJson(r.input),
    idempotencyKey: r.idempotencyKey,
    callbackUrl: r.callbackUrl,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
