/**
 * Which scene a video's cover shows. The first scene whose visual is a found photo or clip (or an editor's
 * upload): a real picture of the subject; failing that, the first with an illustration; failing that, the first
 * scene (a key phrase as type, or a generated background). Pure; over the chosen takes, so a regenerated scene
 * that is chosen can change the cover.
 */
import { PROVIDER } from './handlers/visual-choose.ts';

/** Visual sources that are made here rather than found, by rank; anything else is a material provider or an upload. */
const MADE_HERE: Readonly<Record<string, number>> = { [PROVIDER.illustration]: 1, [PROVIDER.typography]: 2, generated: 2 };
const FOUND_RANK = 0;
const WORST_RANK = 2;

export interface CoverCandidate {
  index: number;
  visual?: { source: string } | undefined;
}

/** How good a cover a scene's visual makes: lower is better. */
export function coverRank(source: string | undefined): number {
  if (source === undefined) return WORST_RANK;
  return MADE_HERE[source] ?? FOUND_RANK;
}

/** The scene to put on the cover, in scene order; undefined for no scenes. */
export function coverScene<T extends CoverCandidate>(scenes: readonly T[]): T | undefined {
  const ordered = [...scenes].sort((a, b) => a.index - b.index);
  let best: T | undefined;
  for (const scene of ordered) {
    if (!best || coverRank(scene.visual?.source) < coverRank(best.visual?.source)) best = scene;
  }
  return best;
}

