import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AssetStore } from '../adapters/asset-store.ts';
import type { AssetCollection } from '../core/ports/assets.ts';

/**
 * Garbage collection of the asset store: files that only failed, cancelled or
 * abandoned tasks made (nothing completed or still running uses them), and
 * scratch files left by crashed work. Cache entries that point at a removed
 * file stop matching by themselves.
 */

export interface GcOptions {
  /** A queued or running task idle this long counts as abandoned. */
  abandonedAfterMs: number;
  /** Scratch files older than this are left over from crashed work. */
  scratchAfterMs: number;
  dryRun: boolean;
}

export const DEFAULT_GC: GcOptions = { abandonedAfterMs: 7 * 24 * 3600 * 1000, scratchAfterMs: 3600 * 1000, dryRun: false };

export interface GcReport {
  assets: string[];
  scratch: string[];
  bytes: number;
}

export async function collectGarbage(store: AssetCollection, assets: AssetStore, opts: GcOptions = DEFAULT_GC): Promise<GcReport> {
  const report: GcReport = { assets: [], scratch: [], bytes: 0 };
  const unused = (await store.unusedAssetPaths(new Date(Date.now() - opts.abandonedAfterMs))).filter((p) => assets.contains(p));
  for (const file of unused) {
    report.bytes += (await stat(file).catch(() => ({ size: 0 }))).size;
    report.assets.push(file);
    if (!opts.dryRun) await rm(file, { force: true });
  }
  if (!opts.dryRun) await store.forgetAssets(unused);
  const scratch = await readdir(assets.tmpDir).catch(() => [] as string[]);
  for (const name of scratch) {
    const file = path.join(assets.tmpDir, name);
    const info = await stat(file).catch(() => undefined);
    if (!info || Date.now() - info.mtimeMs < opts.scratchAfterMs) continue;
    report.bytes += info.size;
    report.scratch.push(file);
    if (!opts.dryRun) await rm(file, { force: true, recursive: true });
  }
  return report;
}
