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
 * Each scene also lists the visuals a new take of it may use instead.
 */

export const MIN_SCENE_SEC = 1.5;
/** Visuals offered per scene for new takes, its own first. */
export const SCENE_CANDIDATES = 6;

/** Durations in whole frames, so the subtitle timeline and the joined video agree to the frame. */
export function wholeFrames(sec: number): number {
  return Math.round(sec * FPS) / FPS;
}

export interface SceneVisual {
  path: string;
  kind: 'image' | 'video';
  /** Who made or found it: a material provider, `generated`, or `upload`. */
  provider: string;
  /** The search term it matched; null for generated backgrounds and uploads. */
  term?: string | null;
}

export interface ClippedScene {
  index: number;
  text: string;
  visual: SceneVisual;
  audio: string;
  duration_sec: number;
  /** The scene's own visual first, then others a new take may use (found ones no other scene uses, then backgrounds). */
  candidates?: SceneVisual[];
  /** How the narration was spoken, so a new take's narration is spoken alike. */
  speech?: { provider: string; voice: string; language: string };
  keywords?: string[];
  /** The sentences of the source (from 1) the scene says, when it was made from an article. */
  source_sentences?: number[];
}

export async function materialClip(ctx: HandlerContext): Promise<{ scenes: ClippedScene[] }> {
  const script = scriptOf(ctx);
  const speech = input<Speech>(ctx, 'speech');
  const { backgrounds } = input<{ backgrounds: string[] }>(ctx, 'backgrounds');
  const { candidates } = input<{ candidates: MaterialCandidate[] }>(ctx, 'material');
  const visuals = sceneVisuals(candidates, backgrounds, script.scenes.length);
  const scenes = script.scenes.map((scene, i): ClippedScene => {
    const spoken = speech.scenes.find((s) => s.index === scene.index)!;
    return {
      index: scene.index,
      text: scene.text,
      visual: visuals[i]![0]!,
      audio: spoken.audio,
      duration_sec: wholeFrames(Math.max(MIN_SCENE_SEC, spoken.duration_sec)),
      candidates: visuals[i]!,
      speech: { provider: speech.provider, voice: speech.voice, language: speech.language },
      keywords: scene.keywords,
      ...(scene.source_sentences ? { source_sentences: scene.source_sentences } : {}),
    };
  });
  return { scenes };
}

/**
 * For each of `count` scenes, its visual and its alternatives: the best-scored found
 * visuals first, each scene's own used once; the leftovers and the generated backgrounds
 * (starting after the scene's own turn) are the alternatives.
 */
export function sceneVisuals(candidates: readonly MaterialCandidate[], backgrounds: readonly string[], count: number): SceneVisual[][] {
  const found = candidates.filter((c) => c.score > 0);
  const seen = new Set<string>();
  const unique = found.filter((c) => !seen.has(c.path) && seen.add(c.path));
  const own = (i: number): SceneVisual => {
    const pick = unique[i];
    return pick
      ? { path: pick.path, kind: pick.kind, provider: pick.provider, term: pick.term ?? null }
      : { path: backgrounds[i % backgrounds.length]!, kind: 'image', provider: 'generated', term: null };
  };
  const spare = unique.slice(count).map((c): SceneVisual => ({ path: c.path, kind: c.kind, provider: c.provider, term: c.term ?? null }));
  return Array.from({ length: count }, (_, i) => {
    const mine = own(i);
    const list = [mine, ...spare];
    for (let k = 1; list.length < SCENE_CANDIDATES && k <= backgrounds.length; k++) {
      const path = backgrounds[(i + k) % backgrounds.length]!;
      if (!list.some((v) => v.path === path)) list.push({ path, kind: 'image', provider: 'generated', term: null });
    }
    return list.slice(0, SCENE_CANDIDATES);
  });
}
