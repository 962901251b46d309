/**
 * request-candidates: one SELECT on the (settings_hash, embedder, bucket, created_at) index, no locks.
 *   reads   request_vectors: the newest `limit` rows of one settings hash, embedder and bucket
 *   result  their task ids and vectors (a lexical bucket holds the requests with the same terms, so a few rows;
 *           a dense embedder's one bucket is its whole settings partition, compared exactly by the caller)
 */
import type { RequestCandidate, RequestVector } from '../../../core/ports/request-vectors.ts';
import type { Queryable, Rows } from '../connection.ts';

export async function requestCandidates(db: Queryable, settingsHash: string, embedder: string, bucket: string, limit: number): Promise<RequestCandidate[]> {
  const [rows] = await db.query<Rows>(
    `SELECT task_id, vector FROM request_vectors WHERE settings_hash = ? AND embedder = ? AND bucket = ?
     ORDER BY created_at DESC LIMIT ?`,
    [settingsHash, embedder, bucket, limit],
  );
  return rows.map((r) => ({ taskId: String(r.task_id), vector: JSON.parse(String(r.vector)) as RequestVector }));
}
