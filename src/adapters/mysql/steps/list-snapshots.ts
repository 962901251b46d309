/**
 * list-snapshots: one SELECT, no locks.
 *   reads   snapshots of one subject (a product or output id), or those under one parent (a product's outputs')
 *   result  the snapshots, oldest first; none for an unknown id
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

export async function listSnapshotsUnder(db: Db, parent: string): Promise<StoredSnapshot[]> {
  const rows = await db.select().from(snapshots).where(eq(snapshots.parent, parent)).orderBy(asc(snapshots.id));
  return rows.map(toSnapshotRecord);
}
