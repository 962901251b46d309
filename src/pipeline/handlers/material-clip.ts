import type { HandlerContext } from '../../handlers/registry.ts';
import { FPS } from '../formats.ts';
import type { MaterialCandidate } from '../../providers/types.ts';
import { input, scriptOf } from './shared.ts';
import type { Speech } from './speech-synthesize.ts';

/**
 * MaterialClipper: one visual per scene, each scene as long as its
 * narration (which ends with a breath). Found images and clips that matched the article's key
 * phrases go first, best first, each used once; then the generated
 * backgrounds take turns. The result is the list the scene fan-out runs over.
 */

export const MIN_SCENE_SEC = 1.5;

/** Durations in whole frames, so the subtitle timeline and the joined video agree to the frame. */
export function wholeFrames(sec: number): number {
  return Math.round(sec * FPS) / FPS;
}

export interface ClippedScene {
  index: number;
  text: string;
  visual: { path: string; kind: 'image' | 'video'; provider: string };
  audio: string;
  duration_sec: number;
}

export async function materialClip(ctx: HandlerContext): Promise<{ scenes: ClippedScene[] }> {
  const script = scriptOf(ctx);
  const speech = input<Speech>(ctx, 'speech');
  const { backgrounds } = input<{ backgrounds: string[] }>(ctx, 'backgrounds');
  const { candidates } = input<{ candidates: MaterialCandidate[] }>(ctx, 'material');
  const used = new Set<string>();
  const scenes = script.scenes.map((scene, i): ClippedScene => {
    const spoken = speech.scenes.find((s) => s.index === scene.index)!;
    const visual = pickVisual(candidates, used) ?? {
      path: backgrounds[i % backgrounds.length]!, kind: 'image' as const, provider: 'generated',
    };
    return {
      index: scene.index,
      text: scene.text,
      visual,
      audio: spoken.audio,
      duration_sec: wholeFrames(Math.max(MIN_SCENE_SEC, spoken.duration_sec)),
    };
  });
  return { scenes };
}

/** The best-scored candidate not used yet that matched the article at all. */
function pickVisual(candidates: MaterialCandidate[], used: Set<string>): ClippedScene['visual'] | undefined {
  const pick = candidates.find((c) => c.score > 0 && !used.has(c.path));
  if (!pick) return undefined;
  used.add(pick.path);
  return { path: pick.path, kind: pick.kind, provider: pick.provider };
}
