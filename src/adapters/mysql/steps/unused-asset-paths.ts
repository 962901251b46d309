/**
 * unused-asset-paths: one grouped SELECT over assets joined to their tasks, no locks.
 *   reads   assets and the phase and last write of the task of each
 *   result  the paths no task still needs: none of their tasks completed, and none is queued
 *           or running with a write since `abandonedBefore` (a path shared by the cache with a
 *           live or finished task is kept)
 */
import type { Queryable, Rows } from '../connection.ts';
import { toPaths } from '../rows.ts';

export async function unusedAssetPaths(db: Queryable, abandonedBefore: Date): Promise<string[]> {
  const [rows] = await db.query<Rows>(
    `SELECT a.path FROM assets a LEFT JOIN tasks t ON t.id = a.task_id GROUP BY a.path
     HAVING SUM(t.phase = 'completed' OR (t.phase IN ('queued', 'running') AND t.updated_at >= ?)) = 0`,
    [abandonedBefore],
  );
  return toPaths(rows);
}
