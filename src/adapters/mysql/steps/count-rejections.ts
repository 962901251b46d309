/**
 * count-rejections: one grouped SELECT, no locks.
 *   reads   answer_rejections, of one task or of all
 *   result  { reason: count }; a reason never seen is absent
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../connection.ts';
import { toRejectionCounts } from '../rows.ts';
import { answerRejections } from '../schema.ts';

export async function countRejections(db: Db, taskId?: string): Promise<Record<string, number>> {
  const rows = await db
    .select({ reason: answerRejections.reason, n: sql<number>`count(*)` })
    .from(answerRejections)
    .where(taskId ? eq(answerRejections.taskId, taskId) : undefined)
    .groupBy(answerRejections.reason);
  return toRejectionCounts(rows);
}
