/**
 * list-snapshots: one SELECT, no locks.
 *   reads   snapshots of one subject (a product or output id)
 *   result  its snapshots, oldest first; none for an unknown subject
 */
import { asc, eq } from 'drizzle-orm';
import type { StoredSnapshot } from '../../../core/ports/snapshots.ts';
import type { Db } from '../connection.ts';
import { toSnapshotRecord } from '../rows.ts';
import { snapshots } from '../schema.ts';

export async function listSnapshots(db: Db, subject: string): Promise<StoredSnapshot[]> {
  const rows = await db.select().from(snapshots).where(eq(snapshots.subject, subject)).orderBy(asc(snapshots.id));
  return rows.map(toSnapshotRecord);
}
