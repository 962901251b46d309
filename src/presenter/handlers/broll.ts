import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { generateBackground, renderScene } from '../../adapters/ffmpeg/index.ts';
import { fluentEmoji } from '../../adapters/illustrations/fluent-emoji.ts';
import { composePicture } from '../../adapters/illustrations/picture.ts';
import { seedOf } from '../../core/random.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import { MIN_SCENE_SEC, wholeFrames } from '../../pipeline/handlers/material-clip.ts';
import { usable } from '../../pipeline/handlers/material-search.ts';
import { captionsFor } from '../../pipeline/handlers/subtitle-build.ts';
import { PROVIDER } from '../../pipeline/handlers/visual-choose.ts';
import { chooseVisuals } from '../../pipeline/visuals/choose.ts';
import type { MaterialCandidate } from '../../providers/types.ts';
import { assetRef, frameOfScene, optionsOfScene, requireRole, sceneOf } from '../render/inputs.ts';
import type { SceneSpeech, SceneVideo } from '../render/types.ts';
import { captionCues, choiceScene, isSceneSpeech } from './scene-render.ts';

/**
 * `presenter.broll`: a b-roll scene, the presenter's voice over material. The visual is chosen by the scene's own
 * words as the pipeline chooses one (`visuals/choose.ts`): a found photo or clip that matches them, else an
 * illustration named by one of them with the key phrase, else the key phrase alone; a background the editor chose
 * for the scene is used as it is. The narration over it, the captions burned in, one segment at the output's format.
 */

/** Found items asked of each material provider for one scene. */
const CANDIDATES_PER_PROVIDER = 8;
const SCENE_FADE_SEC = 0;
const IMAGE_EXTS = new Set(['.png', '.jpg', '.jpeg', '.webp']);

export function makePresenterBroll(deps: PipelineDeps) {
  const illustrations = deps.illustrations ?? fluentEmoji();
  return async function presenterBroll(ctx: HandlerContext): Promise<SceneVideo> {
    const scene = sceneOf(ctx);
    const speech = requireRole<SceneSpeech>(ctx, 'speech', isSceneSpeech);
    const { width, height } = frameOfScene(ctx);
    const durationSec = wholeFrames(Math.max(MIN_SCENE_SEC, speech.duration_sec));
    const choice = choiceScene(scene.narration, speech.language);
    const scratch: string[] = [];
    try {
      let visual: { path: string; kind: 'image' | 'video'; source: string; term: string | null };
      if (scene.background) {
        visual = { path: scene.background, kind: IMAGE_EXTS.has(path.extname(scene.background).toLowerCase()) ? 'image' : 'video', source: 'chosen', term: null };
      } else {
        const keywords = choice.terms.map((t) => t.term);
        const found: MaterialCandidate[] = [];
        for (const provider of deps.material) {
          if (!keywords.length || !(await provider.available())) continue;
          const orientation = height > width ? 'portrait' : width > height ? 'landscape' : 'square';
          found.push(...(await provider.search({ keywords, orientation, limit: CANDIDATES_PER_PROVIDER }, deps.assets.tmpDir, { signal: ctx.signal })));
        }
        const [picked] = chooseVisuals([choice], await usable(deps.media.runner, found.filter((c) => c.score > 0), ctx.signal), illustrations);
        if (picked!.kind === 'found') {
          visual = { path: picked!.candidate.path, kind: picked!.candidate.kind, source: picked!.candidate.provider, term: picked!.term };
        } else {
          const background = await deps.assets.scratch('.png');
          scratch.push(background);
          await generateBackground(deps.media.runner, { width, height, seed: seedOf(scene.narration), out: background, signal: ctx.signal });
          const icon = picked!.kind === 'illustration' ? await illustrations.icon(picked!.icon) : undefined;
          const picture = await deps.assets.scratch('.png');
          scratch.push(picture);
          await composePicture({ width, height, background, icon, phrase: picked!.phrase, out: picture, signal: ctx.signal });
          visual = { path: picture, kind: 'image', source: PROVIDER[picked!.kind], term: picked!.term };
        }
      }
      const started = performance.now();
      const cues = captionCues(scene, speech);
      const out = await deps.assets.scratch('.mp4');
      await renderScene(deps.media, {
        width, height, durationSec, audio: speech.audio, cues, captions: captionsFor(optionsOfScene(ctx)), fadeSec: SCENE_FADE_SEC, out, signal: ctx.signal,
        visual: { path: visual.path, kind: visual.kind, drawn: visual.source === PROVIDER.illustration || visual.source === PROVIDER.typography },
      });
      const stored = await deps.assets.put(out);
      ctx.recordAsset({
        kind: 'scene', provider: 'ffmpeg', path: stored.path, hash: stored.hash, bytes: stored.bytes, latencyMs: performance.now() - started,
        scene: scene.scene - 1, stage: ctx.component, inputs: [assetRef(speech.audio)],
      });
      return {
        scene: scene.scene, kind: 'broll', segment: stored.path, duration_sec: durationSec, width, height, cues,
        metadata: { lip_sync: false, visual: { source: visual.source, term: visual.term, kind: visual.kind } },
      };
    } finally {
      await Promise.all(scratch.map((f) => rm(f, { force: true })));
    }
  };
}
