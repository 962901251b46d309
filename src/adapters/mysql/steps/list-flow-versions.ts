/**
 * list-flow-versions: one SELECT of the whole table, no locks (a row per flow content ever pinned: small).
 *   reads   flow_versions: every stored document
 *   result  the documents, oldest first; a worker reads them to know every (queue family, handler) a task may need
 */
import { asc } from 'drizzle-orm';
import type { FlowDocument } from '../../../core/flow/document.ts';
import type { Db } from '../connection.ts';
import { toFlowDocument } from '../rows.ts';
import { flowVersions } from '../schema.ts';

export async function listFlowVersions(db: Db): Promise<FlowDocument[]> {
  const rows = await db.select({ content: flowVersions.content }).from(flowVersions).orderBy(asc(flowVersions.createdAt));
  return rows.map(toFlowDocument);
}
