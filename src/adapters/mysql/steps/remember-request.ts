/**
 * remember-request: one upsert.
 *   writes  request_vectors: the task's row (replaced when the task completes again, after a resume)
 *   locks   that row
 *   result  none
 */
import type { StoredRequest } from '../../../core/ports/request-vectors.ts';
import { json, type Queryable } from '../connection.ts';

export async function rememberRequest(db: Queryable, r: StoredRequest): Promise<void> {
  await db.query(
    `INSERT INTO request_vectors (task_id, settings_hash, embedder, bucket, vector, created_at) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(3))
     ON DUPLICATE KEY UPDATE settings_hash = VALUES(settings_hash), embedder = VALUES(embedder), bucket = VALUES(bucket),
       vector = VALUES(vector), created_at = VALUES(created_at)`,
    [r.taskId, r.settingsHash, r.embedder, r.bucket, json(r.vector)],
  );
}
