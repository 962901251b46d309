import { copyFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { AssetStore } from '../../adapters/asset-store.ts';
import type { ImageCapability as GenerativeImage } from './index.ts';
import type { ImageCapability, SceneImage, SceneImageRequest } from './image.ts';

/**
 * The scene-image capability over a hosted image model (`SLOTFLOW_IMAGE_PROVIDER=remote`): the model is asked for
 * the scene in words (the layout, the backdrop, the headline) with the neutral image as its reference, and its
 * picture goes through the same fidelity stage as the offline composer's. The model says nothing of where it put
 * the product, so the hint is the frame's centre and the fidelity check searches the whole picture; the text is
 * the model's to set, so no text box is reported.
 */
export class RemoteSceneImage implements ImageCapability {
  readonly name: string;

  constructor(private readonly model: GenerativeImage, private readonly assets: AssetStore) {
    this.name = model.name;
  }

  async compose(req: SceneImageRequest, signal?: AbortSignal): Promise<SceneImage> {
    const made = await this.model.compose({ prompt: scenePrompt(req), width: req.width, height: req.height, seed: req.seed, neutral: req.neutral }, signal);
    // The caller owns (stores or removes) what it is handed: a copy, so the model's stored answer stays as it is.
    const out = await this.assets.scratch('.png');
    const meta = await sharp(made.path).metadata();
    if (meta.width === req.width && meta.height === req.height && meta.format === 'png') await copyFile(made.path, out);
    else await sharp(made.path).resize(req.width, req.height, { fit: 'cover' }).png().toFile(out);
    const w = Math.round(req.width / 2);
    const h = Math.round(req.height / 2);
    return {
      path: out, width: req.width, height: req.height, layout: req.layout, seed: req.seed,
      productBox: { x: Math.round((req.width - w) / 2), y: Math.round((req.height - h) / 2), w, h },
      textBoxes: [],
    };
  }
}

/** What the model is asked for: the product of the reference image, kept exactly, in the scene the storyboard wants. */
export function scenePrompt(req: SceneImageRequest): string {
  const parts = [
    `A ${req.layout.replace('-', ' ')} product advertising shot of the product in the reference image, kept exactly as it is (shape, colours, label)`,
    `backdrop: ${req.background}`,
    req.headline ? `headline text: "${req.headline}"` : undefined,
    req.caption ? `leave the ${req.caption.band === 'middle' ? 'middle third' : 'bottom fifth'} of the frame clear of the product for captions` : undefined,
  ];
  return parts.filter(Boolean).join('; ');
}
