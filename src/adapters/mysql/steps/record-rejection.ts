/**
 * record-rejection: one INSERT.
 *   writes  answer_rejections: which task, component and attempt sent an answer the engine refused, and why
 *   result  none
 */
import type { RejectReason } from '../../../core/engine/transitions.ts';
import type { Db } from '../connection.ts';
import { answerRejections } from '../schema.ts';

export async function recordRejection(db: Db, taskId: string, component: string, attempt: number, reason: RejectReason): Promise<void> {
  await db.insert(answerRejections).values({ taskId, component, attempt, reason, createdAt: new Date() });
}
