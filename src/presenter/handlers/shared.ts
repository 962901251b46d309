import type { AssetStore } from '../../adapters/asset-store.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import { PresenterInputError } from '../identity/errors.ts';
import type { PresenterSnapshot } from '../types.ts';

/** What the presenter identity handlers share: the snapshot read and checked, its stored files found. */

/** The snapshot from the task input, checked before any work starts. */
export function presenterSnapshotOf(ctx: HandlerContext): PresenterSnapshot {
  const s = ctx.input as Partial<PresenterSnapshot> | null | undefined;
  if (!s || typeof s !== 'object' || s.contract !== 'presenter-creation/1') {
    throw new PresenterInputError('invalid-presenter-snapshot', 'the task input is not a presenter-creation/1 snapshot', 'contract');
  }
  if (typeof s.name !== 'string' || s.name.trim() === '') throw new PresenterInputError('invalid-presenter-snapshot', 'the presenter has no name', 'name');
  if (!Array.isArray(s.photos)) throw new PresenterInputError('invalid-presenter-snapshot', 'the presenter has no photos', 'photos');
  if (!s.voice_sample || typeof s.voice_sample !== 'object') throw new PresenterInputError('invalid-presenter-snapshot', 'the presenter has no voice sample', 'voice_sample');
  return s as PresenterSnapshot;
}

export interface StoredFile {
  file: string;
  path: string;
  hash: string;
}

function stored(entry: { file?: unknown; asset?: unknown } | undefined, assets: AssetStore, code: 'presenter-photo-missing' | 'voice-sample-missing', field: string, what: string): StoredFile {
  const asset = typeof entry?.asset === 'string' ? entry.asset : undefined;
  const file = asset ? assets.pathOf(asset) : undefined;
  if (!asset || !file) throw new PresenterInputError(code, `${what} (${String(entry?.file ?? '?').slice(0, 80)}) is not in the asset store`, field);
  return { file: String(entry?.file ?? asset), path: file, hash: asset.slice(0, asset.indexOf('.')) };
}

export function photoFiles(snapshot: PresenterSnapshot, assets: AssetStore): StoredFile[] {
  return snapshot.photos.map((p, i) => stored(p, assets, 'presenter-photo-missing', `photos[${i}].asset`, `photo ${i + 1}`));
}

export function sampleFile(snapshot: PresenterSnapshot, assets: AssetStore): StoredFile {
  return stored(snapshot.voice_sample, assets, 'voice-sample-missing', 'voice_sample.asset', 'the voice sample');
}
