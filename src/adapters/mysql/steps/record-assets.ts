/**
 * record-assets: one multi-row INSERT.
 *   writes  assets: one row per file a handler made (task, component, attempt, path, and its graph fields)
 *   result  none; an empty list writes nothing
 */
import type { AssetRecord } from '../../../core/ports/assets.ts';
import type { Db } from '../connection.ts';
import { assets } from '../schema.ts';

export async function recordAssets(db: Db, list: readonly AssetRecord[]): Promise<void> {
  if (list.length === 0) return;
  await db.insert(assets).values(list.map((a) => ({ ...a, inputs: a.inputs ?? null, stage: a.stage ?? null, scores: a.scores ?? null, createdAt: new Date() })));
}
