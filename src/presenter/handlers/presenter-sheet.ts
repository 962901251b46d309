import { performance } from 'node:perf_hooks';
import type { AssetStore } from '../../adapters/asset-store.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import { requireInput } from '../../handlers/inputs.ts';
import { sha, storeAndRecord } from '../../product/handlers/shared.ts';
import { drawCharacterSheet } from '../identity/character-sheet.ts';
import type { PortraitOutput } from './presenter-portrait.ts';
import { presenterSnapshotOf } from './shared.ts';

/** PresenterSheet: the neutral portraits side by side with the name (kind `character-sheet`). */

export interface CharacterSheetOutput {
  sheet: { path: string; hash: string; width: number; height: number };
}

export function makePresenterSheet(deps: { assets: AssetStore }) {
  return async function presenterSheet(ctx: HandlerContext): Promise<CharacterSheetOutput> {
    const snapshot = presenterSnapshotOf(ctx);
    const { portrait, views } = requireInput<PortraitOutput>(ctx.inputs, 'portrait', ctx.component);
    const started = performance.now();
    const all = [portrait, ...views];
    const out = await deps.assets.scratch('.png');
    const { width, height } = await drawCharacterSheet(all, snapshot.name.trim(), out);
    const stored = await storeAndRecord(ctx, deps.assets, { kind: 'character-sheet', inputs: [...all.map((v) => sha(v.hash)), 'snapshot:name'], started }, out);
    return { sheet: { path: stored.path, hash: stored.hash, width, height } };
  };
}
