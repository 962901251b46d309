import type { HandlerContext } from '../../handlers/registry.ts';
import type { MaterialCandidate } from '../../providers/types.ts';
import { input, scriptOf } from './shared.ts';
import { type ClippedScene, sceneVisuals } from './material-clip.ts';

/**
 * BeatCutter (fast cut): scenes cut on the music's beat, four beats each at
 * the generated bed's tempo, with no narration: the scene's audio is silence
 * and the music carries it. Visuals as the clipper picks them.
 */

export const BEAT_SEC = 0.5;
export const BEATS_PER_SCENE = 4;

export async function beatsCut(ctx: HandlerContext): Promise<{ scenes: Array<ClippedScene & { caption: string }> }> {
  const script = scriptOf(ctx);
  const { backgrounds } = input<{ backgrounds: string[] }>(ctx, 'backgrounds');
  const { candidates } = input<{ candidates: MaterialCandidate[] }>(ctx, 'material');
  const visuals = sceneVisuals(candidates, backgrounds, script.scenes.length);
  return {
    scenes: script.scenes.map((scene, i) => ({
      index: scene.index,
      text: scene.text,
      caption: scene.text,
      visual: visuals[i]![0]!,
      audio: '',
      duration_sec: BEAT_SEC * BEATS_PER_SCENE,
      candidates: visuals[i]!,
      keywords: scene.keywords,
    })),
  };
}
