/**
 * save-flow-version: one INSERT IGNORE.
 *   writes  flow_versions: the flow's document under its content hash
 *   locks   the primary key entry of the hash
 *   result  none; a hash already stored keeps its row (same hash, same content)
 */
import type { CompiledFlow } from '../../../core/flow/compile.ts';
import type { Db } from '../connection.ts';
import { flowVersions } from '../schema.ts';

export async function saveFlowVersion(db: Db, flow: CompiledFlow): Promise<void> {
  await db
    .insert(flowVersions)
    .ignore()
    .values({ hash: flow.hash, name: flow.name, version: flow.version, content: flow.document, createdAt: new Date() });
}
