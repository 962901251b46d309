/**
 * forget-assets: one DELETE.
 *   writes  assets: removes every row of the given paths (the files were deleted)
 *   locks   those rows
 *   result  none; an empty list deletes nothing
 */
import type { Queryable } from '../connection.ts';

export async function forgetAssets(db: Queryable, paths: readonly string[]): Promise<void> {
  if (paths.length > 0) await db.query('DELETE FROM assets WHERE path IN (?)', [paths]);
}
