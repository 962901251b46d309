/**
 * list-assets: one SELECT, no locks.
 *   reads   assets of one task (listAssets) or one asset by id (getAsset)
 *   result  listAssets: the task's assets in the order they were recorded;
 *           getAsset: the asset, or undefined for an unknown id
 */
import { asc, eq } from 'drizzle-orm';
import type { StoredAsset } from '../../../core/ports/assets.ts';
import type { Db } from '../connection.ts';
import { toAsset } from '../rows.ts';
import { assets } from '../schema.ts';

export async function listAssets(db: Db, taskId: string): Promise<StoredAsset[]> {
  const rows = await db.select().from(assets).where(eq(assets.taskId, taskId)).orderBy(asc(assets.id));
  return rows.map(toAsset);
}

export async function getAsset(db: Db, id: number): Promise<StoredAsset | undefined> {
  const rows = await db.select().from(assets).where(eq(assets.id, id));
  return rows[0] && toAsset(rows[0]);
}
