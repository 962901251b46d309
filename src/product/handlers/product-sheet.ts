import { performance } from 'node:perf_hooks';
import type { HandlerContext } from '../../handlers/registry.ts';
import { requireInput } from '../../handlers/inputs.ts';
import { drawSheet } from '../identity/sheet.ts';
import type { NeutralOutput } from './product-neutral.ts';
import { type IdentityDeps, sha, snapshotOf, storeAndRecord } from './shared.ts';

/** ProductSheet: the neutral image and the other views side by side with the name (kind `sheet`). */

export interface SheetOutput {
  sheet: { path: string; hash: string; width: number; height: number };
}

export function makeProductSheet(deps: IdentityDeps) {
  return async function productSheet(ctx: HandlerContext): Promise<SheetOutput> {
    const snapshot = snapshotOf(ctx);
    const { neutral, views } = requireInput<NeutralOutput>(ctx.inputs, 'neutral', ctx.component);
    const started = performance.now();
    const all = [neutral, ...views];
    const out = await deps.assets.scratch('.png');
    const { width, height } = await drawSheet(all, snapshot.name.trim(), out);
    const stored = await storeAndRecord(ctx, deps.assets, { kind: 'sheet', inputs: [...all.map((v) => sha(v.hash)), 'snapshot:name'], started }, out);
    return { sheet: { path: stored.path, hash: stored.hash, width, height } };
  };
}
