import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { AssetStore } from '../../adapters/asset-store.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import { IdentityInputError } from '../identity/errors.ts';
import type { ProductSnapshot } from '../types.ts';

/** What the identity handlers share: the snapshot read and checked, stored files recorded in the asset graph. */

export interface IdentityDeps {
  assets: AssetStore;
}

/** Provider recorded for every identity asset: all are made on this machine. */
export const LOCAL = 'local';

/** The snapshot from the task input, checked before any work starts. */
export function snapshotOf(ctx: HandlerContext): ProductSnapshot {
  const s = ctx.input as Partial<ProductSnapshot> | null | undefined;
  if (!s || typeof s !== 'object' || s.contract !== 'product-creation/1') {
    throw new IdentityInputError('invalid-product-snapshot', 'the task input is not a product-creation/1 snapshot', 'contract');
  }
  if (typeof s.name !== 'string' || s.name.trim() === '') {
    throw new IdentityInputError('invalid-product-snapshot', 'the product has no name', 'name');
  }
  if (!Array.isArray(s.images) || s.images.length === 0) {
    throw new IdentityInputError('invalid-product-snapshot', 'the product has no photos', 'images');
  }
  return s as ProductSnapshot;
}

/** The stored file of each photo, in order; a missing one fails before anything is made. */
export function photoFiles(snapshot: ProductSnapshot, assets: AssetStore): Array<{ file: string; path: string; hash: string }> {
  return snapshot.images.map((image, i) => {
    const file = typeof image?.asset === 'string' ? assets.pathOf(image.asset) : undefined;
    if (!file) throw new IdentityInputError('product-image-missing', `photo ${i + 1} (${String(image?.file ?? '?').slice(0, 80)}) is not in the asset store`, `images[${i}].asset`);
    return { file: image.file, path: file, hash: image.asset.slice(0, image.asset.indexOf('.')) };
  });
}

/** The saved page's stored file, if the snapshot has one. */
export function pageFile(snapshot: ProductSnapshot, assets: AssetStore): string | undefined {
  if (!snapshot.page) return undefined;
  const file = typeof snapshot.page.asset === 'string' ? assets.pathOf(snapshot.page.asset) : undefined;
  if (!file) throw new IdentityInputError('product-page-missing', 'the saved product page is not in the asset store', 'page.asset');
  return file;
}

/** The bytes a JSON identity part is stored as: so anyone holding the value knows its asset's hash. */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}

export function jsonHash(value: unknown): string {
  return createHash('sha256').update(jsonBytes(value)).digest('hex');
}

export interface Recorded {
  path: string;
  hash: string;
  bytes: number;
}

/** Stores a finished scratch file and records it with its place in the asset graph. */
export async function storeAndRecord(
  ctx: HandlerContext,
  assets: AssetStore,
  spec: { kind: string; inputs: string[]; started: number },
  file: string,
): Promise<Recorded> {
  const stored = await assets.put(file);
  record(ctx, spec, stored);
  return stored;
}

export function record(ctx: HandlerContext, spec: { kind: string; inputs: string[]; started: number }, stored: Recorded): void {
  ctx.recordAsset({
    kind: spec.kind, provider: LOCAL, path: stored.path, hash: stored.hash, bytes: stored.bytes,
    latencyMs: performance.now() - spec.started, stage: ctx.component, inputs: spec.inputs,
  });
}

/** Writes a JSON identity part (metadata, seeds) as a stored file and records it. */
export async function storeJson(ctx: HandlerContext, assets: AssetStore, spec: { kind: string; inputs: string[]; started: number }, value: unknown): Promise<Recorded> {
  const file = await assets.scratch('.json');
  await writeFile(file, jsonBytes(value));
  return storeAndRecord(ctx, assets, spec, file);
}

export const sha = (hash: string): string => `sha256:${hash}`;
