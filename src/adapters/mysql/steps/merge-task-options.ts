/**
 * merge-task-options: one UPDATE by primary key, so the merge is atomic without a transaction.
 *   reads   tasks.input of one task
 *   locks   that row, for the statement only
 *   writes  tasks.input.options: each given option set to its new value, the others kept;
 *           the version, the word and updated_at are left as they are (the slots do not change)
 *   result  true when the task exists (FOUND_ROWS counts it even when nothing changed), false otherwise
 */
import type { Pool, ResultSetHeader } from 'mysql2/promise';

export async function mergeTaskOptions(pool: Pool, taskId: string, options: Readonly<Record<string, unknown>>): Promise<boolean> {
  const [result] = await pool.execute<ResultSetHeader>(
    "UPDATE tasks SET input = JSON_SET(input, '$.options', JSON_MERGE_PATCH(COALESCE(JSON_EXTRACT(input, '$.options'), '{}'), ?)) WHERE id = ?",
    [JSON.stringify(options), taskId],
  );
  return result.affectedRows > 0;
}
