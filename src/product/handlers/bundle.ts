import { createWriteStream, existsSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import yazl from 'yazl';
import type { AssetStore } from '../../adapters/asset-store.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { ProductScene } from '../types.ts';
import type { SceneImageOutput } from './scene-image.ts';
import { outputSnapshot, OutputSnapshotError } from './output-input.ts';

/**
 * product.bundle: the scene pictures (`scene-01.png`…), the product sheet and
 * a `manifest.json` in one zip. It reads its dependencies by what they hold,
 * not by their names: the storyboard's `scenes` and the fan-out's scene
 * outputs.
 */

export const BUNDLE_PROVIDER = 'slotflow';
/** A fixed date keeps the zip's bytes, and so its hash, the same for the same files. */
const ZIP_DATE = new Date('2000-01-01T00:00:00Z');

interface FanOutScenes {
  scenes: Array<{ index: number; outputs: Record<string, unknown> }>;
}

export interface BundleOutput {
  bundle: { path: string; hash: string; bytes: number };
  files: string[];
}

function isSceneImage(v: unknown): v is SceneImageOutput {
  return !!v && typeof v === 'object' && typeof (v as SceneImageOutput).image?.path === 'string' && !!(v as SceneImageOutput).scores;
}

export function makeBundle(deps: { assets: AssetStore }) {
  return async function bundle(ctx: HandlerContext): Promise<BundleOutput> {
    const snapshot = outputSnapshot(ctx);
    const outputs = Object.values(ctx.deps);
    const storyboard = outputs.find((o): o is { scenes: ProductScene[] } => Array.isArray((o as { scenes?: unknown[] } | null)?.scenes) && typeof ((o as { scenes: unknown[] }).scenes[0] as ProductScene | undefined)?.headline === 'string');
    const fanned = outputs.find((o): o is FanOutScenes => Array.isArray((o as { scenes?: unknown[] } | null)?.scenes) && !!((o as FanOutScenes).scenes[0]?.outputs));
    if (!storyboard || !fanned) throw new OutputSnapshotError(ctx.component, `${ctx.component} needs the storyboard and the scene pictures among its dependencies`);
    const images = [...fanned.scenes].sort((a, b) => a.index - b.index).map((s) => {
      const image = Object.values(s.outputs).find(isSceneImage);
      if (!image) throw new OutputSnapshotError(ctx.component, `scene ${s.index + 1} has no picture`);
      return { index: s.index, ...image };
    });
    const started = performance.now();
    const out = await deps.assets.scratch('.zip');
    const zip = new yazl.ZipFile();
    const files: string[] = [];
    const scenes = images.map((img) => {
      const name = `scene-${String(img.index + 1).padStart(2, '0')}.png`;
      zip.addFile(img.image.path, name, { mtime: ZIP_DATE });
      files.push(name);
      const scene = storyboard.scenes[img.index];
      return {
        scene: img.index + 1, file: name, layout: img.attempts.at(-1)?.layout ?? scene?.layout, headline: scene?.headline,
        background: scene?.background, hash: img.image.hash, width: img.image.width, height: img.image.height,
        scores: img.scores, attempts: img.attempts.length,
      };
    });
    const sheet = snapshot.identity.sheet;
    if (sheet && existsSync(sheet.path)) {
      const name = `product-sheet${path.extname(sheet.path) || '.png'}`;
      zip.addFile(sheet.path, name, { mtime: ZIP_DATE });
      files.push(name);
    }
    const manifest = {
      product: snapshot.product, name: snapshot.identity.metadata.name, mode: snapshot.mode, prompt: snapshot.prompt,
      format: snapshot.options.format ?? '16:9', scenes,
      assets: { neutral: snapshot.identity.neutral.hash, ...(sheet ? { sheet: sheet.hash } : {}), scenes: images.map((i) => i.image.hash) },
    };
    zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8'), 'manifest.json', { mtime: ZIP_DATE });
    files.push('manifest.json');
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(out));
    const stored = await deps.assets.put(out);
    ctx.recordAsset({
      kind: 'bundle', provider: BUNDLE_PROVIDER, path: stored.path, hash: stored.hash, bytes: stored.bytes, latencyMs: performance.now() - started,
      inputs: [...images.map((i) => `sha256:${i.image.hash}`), ...(sheet ? [`sha256:${sheet.hash}`] : []), 'snapshot:prompt', 'snapshot:mode'],
    });
    return { bundle: { path: stored.path, hash: stored.hash, bytes: stored.bytes }, files };
  };
}
