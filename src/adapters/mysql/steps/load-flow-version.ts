/**
 * load-flow-version: one SELECT by primary key, no locks.
 *   reads   flow_versions: the document stored under the hash
 *   result  the document, or undefined when no task ever pinned that hash here
 */
import type { FlowDocument } from '../../../core/flow/document.ts';
import { eq } from 'drizzle-orm';
import type { Db } from '../connection.ts';
import { toFlowDocument } from '../rows.ts';
import { flowVersions } from '../schema.ts';

export async function loadFlowVersion(db: Db, hash: string): Promise<FlowDocument | undefined> {
  const rows = await db.select({ content: flowVersions.content }).from(flowVersions).where(eq(flowVersions.hash, hash));
  return rows[0] && toFlowDocument(rows[0]);
}
