/**
 * save-snapshot: one INSERT, no locks; rows are never updated.
 *   writes  snapshots: the validated request, its contract, subject and sha256
 *   result  the stored snapshot with its id
 */
import type { NewSnapshot, StoredSnapshot } from '../../../core/ports/snapshots.ts';
import type { Db } from '../connection.ts';
import { snapshots } from '../schema.ts';

export async function saveSnapshot(db: Db, snapshot: NewSnapshot): Promise<StoredSnapshot> {
  const createdAt = new Date();
  const [result] = await db.insert(snapshots).values({ ...snapshot, createdAt });
  return { ...snapshot, id: Number(result.insertId), createdAt };
}
