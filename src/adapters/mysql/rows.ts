import type { RunStatus } from '../../core/engine/transitions.ts';
import type { TaskError, TaskPhase, TaskSnapshot } from '../../core/engine/task.ts';
import type { StoredAsset } from '../../core/ports/assets.ts';
import type { RunRecord, TaskRecord } from '../../core/ports/read-model.ts';
import { type EventItem, type EventRow, expandRow } from '../../core/ports/event-rows.ts';
import type { FlowDocument } from '../../core/flow/document.ts';
import type { WebhookAttemptRecord, WebhookEvent } from '../../core/ports/webhook-outbox.ts';
import { parseJson, type Rows } from './connection.ts';
import type { StoredSnapshot } from '../../core/ports/snapshots.ts';
import type { assets, componentRuns, events, flowVersions, snapshots, tasks, webhookAttempts } from './schema.ts';

/**
 * Rows to records, in one place: every step that returns rows maps them here.
 * Rows read with plain SQL come with snake_case columns (`Rows[number]`); rows
 * read through drizzle with the schema's camelCase fields.
 */

/** The task columns a snapshot needs, for the plain-SQL steps that read one. */
export const SNAPSHOT_COLUMNS =
  'id, flow_name, flow_hash, slot_word, in_flight, version, attempts, phase, status, parent_id, parent_component, parent_attempt, scene_index, error';

/** A task row read with `SNAPSHOT_COLUMNS`. */
export function toSnapshot(row: Rows[number]): TaskSnapshot {
  return {
    id: String(row.id),
    flowName: String(row.flow_name),
    flowHash: String(row.flow_hash),
    word: BigInt(row.slot_word as string),
    inFlight: BigInt(row.in_flight as string),
    version: Number(row.version),
    attempts: parseJson<Record<string, number>>(row.attempts),
    phase: row.phase as TaskPhase,
    status: String(row.status),
    parentId: row.parent_id === null ? null : String(row.parent_id),
    parentComponent: row.parent_component === null ? null : String(row.parent_component),
    parentAttempt: row.parent_attempt === null ? null : Number(row.parent_attempt),
    sceneIndex: row.scene_index === null ? null : Number(row.scene_index),
    error: row.error === null ? null : parseJson<TaskError>(row.error),
  };
}

/** Run rows (component, output) ordered by attempt: the last one of each component wins. */
export function toOutputs(rows: Rows): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const row of rows) out[String(row.component)] = parseJson(row.output);
  return out;
}

/** The input column of a task row, as the handler gets it. */
export function toInput(row: Rows[number]): unknown {
  return parseJson(row.input);
}

export function toFlowDocument(r: Pick<typeof flowVersions.$inferSelect, 'content'>): FlowDocument {
  return parseJson<FlowDocument>(r.content);
}

/** Grouped rows (a reason and its count) as { reason: count }; drivers hand COUNT(*) back as a number or a string. */
export function toRejectionCounts(rows: ReadonlyArray<{ reason: string; n: unknown }>): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [r.reason, Number(r.n)]));
}

export function toStatusCounts(rows: ReadonlyArray<{ phase: string; status: string; count: unknown }>): Array<{ phase: string; status: string; count: number }> {
  return rows.map((r) => ({ phase: r.phase, status: r.status, count: Number(r.count) }));
}

/** Rows of a plain-SQL `SELECT id`. */
export function toIds(rows: Rows): string[] {
  return rows.map((r) => String(r.id));
}

/** Rows of a plain-SQL `SELECT path`. */
export function toPaths(rows: Rows): string[] {
  return rows.map((r) => String(r.path));
}

export function toWebhookAttempt(r: typeof webhookAttempts.$inferSelect): WebhookAttemptRecord {
  return { eventId: r.eventId, attempt: r.attempt, ok: r.ok, statusCode: r.statusCode, error: r.error };
}

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

export function toAsset({ createdAt: _c, inputs, scores, ...a }: typeof assets.$inferSelect): StoredAsset {
  return { ...a, inputs: inputs === null ? null : parseJson<string[]>(inputs), scores: scores === null ? null : parseJson<Record<string, unknown>>(scores) };
}

export function toSnapshotRecord(r: typeof snapshots.$inferSelect): StoredSnapshot {
  return { ...r, body: parseJson(r.body) };
}

/** A claimed outbox row read with plain SQL (snake_case columns) and its task's callback_url: the events it still has to deliver, in order. */
export function toWebhookEvents(r: Rows[number]): WebhookEvent[] {
  const row = toEventRow({
    id: Number(r.id), taskId: String(r.task_id), items: r.items, legacy: Boolean(Number(r.legacy)), createdAt: r.created_at as Date,
  });
  const delivered = Number(r.delivered_count);
  return expandRow(row, 0, delivered).map((e, i) => ({
    ...e, url: String(r.callback_url), row: row.id, position: delivered + i,
    // The attempts so far are those at the first event not done; the ones after it have had none.
    deliveryAttempts: i === 0 ? Number(r.delivery_attempts) : 0,
  }));
}

export function toEventRow(e: Pick<typeof events.$inferSelect, 'id' | 'taskId' | 'items' | 'legacy' | 'createdAt'>): EventRow {
  return { id: e.id, taskId: e.taskId, legacy: e.legacy, items: parseJson<EventItem[]>(e.items), createdAt: e.createdAt };
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
    title: r.title,
    take: r.take,
    chosen: r.chosen,
    idempotencyKey: r.idempotencyKey,
    callbackUrl: r.callbackUrl,
    reusedFrom: r.reusedFrom,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
