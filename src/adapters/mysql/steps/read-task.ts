/**
 * read-task: one SELECT by primary key, no locks (the write that follows is
 * conditional on the version read here).
 *   reads   tasks: word, in-flight set, version, attempts, phase, status
 *   result  the snapshot, or undefined for an unknown id
 */
import type { TaskError, TaskPhase, TaskSnapshot } from '../../../core/engine/task.ts';
import { parseJson, type Queryable, type Rows } from '../connection.ts';

export const SNAPSHOT_COLUMNS =
  'id, flow_name, flow_hash, slot_word, in_flight, version, attempts, phase, status, parent_id, parent_component, parent_attempt, scene_index, error';

export async function readTask(db: Queryable, id: string): Promise<TaskSnapshot | undefined> {
  const [rows] = await db.execute<Rows>(`SELECT ${SNAPSHOT_COLUMNS} FROM tasks WHERE id = ?`, [id]);
  const row = rows[0];
  return row && toSnapshot(row);
}

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
