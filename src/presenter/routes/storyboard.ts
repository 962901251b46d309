import { POSES, type Pose, type PresenterSceneItem } from '../render/types.ts';
import { PresenterRouteError } from './errors.ts';
import type { PresenterScript } from './script.ts';

/**
 * The storyboard of a presenter route, pure: which scenes the video has, of which kind, in which pose.
 *
 * - `single`: the whole script as one presenter scene.
 * - `multi`: one presenter scene per script scene, medium framing unless the script marks a pose.
 * - `broll`: presenter scenes alternating with b-roll scenes: every second scene is b-roll when its narration has
 *   words a visual can be chosen by (the b-roll stage chooses it by them); the first scene always shows the presenter.
 * - `pose`: a pose per scene, cycling close, medium, wide, side, or the one the script's `[pose: …]` mark names.
 *
 * A revision (a storyboard rejected with a reason, `revision.number` from 1) plans differently on purpose: the pose
 * plan shifts by the revision number (multi and single cycle the poses from there), and b-roll takes the other
 * scenes; a mark in the script still wins, since the script was approved.
 */

export const STORYBOARD_PLANS = ['single', 'multi', 'broll', 'pose'] as const;
export type StoryboardPlan = (typeof STORYBOARD_PLANS)[number];
const DEFAULT_POSE: Pose = 'medium';

export interface StoryboardRevision {
  number: number;
  reason: string;
}

export interface PresenterStoryboard {
  plan: StoryboardPlan;
  revision: StoryboardRevision | null;
  language: string;
  /** The fan-out's items, numbered from 1. */
  scenes: PresenterSceneItem[];
  /** Each scene's estimated place on the timeline and the script scenes it says. */
  timing: Array<{ scene: number; start_sec: number; duration_sec: number; script_scenes: number[] }>;
}

export function isStoryboardPlan(v: unknown): v is StoryboardPlan {
  return (STORYBOARD_PLANS as readonly unknown[]).includes(v);
}

const cycled = (i: number, shift: number): Pose => POSES[(i + shift) % POSES.length]!;

export function planStoryboard(script: PresenterScript, plan: StoryboardPlan, revision: StoryboardRevision | null = null): PresenterStoryboard {
  if (!isStoryboardPlan(plan)) throw new PresenterRouteError('invalid-storyboard-plan', `storyboard plan must be one of ${STORYBOARD_PLANS.join(', ')}`, 'params.plan');
  const r = revision?.number ?? 0;
  const base = { plan, revision, language: script.language };
  if (plan === 'single') {
    const all = script.scenes;
    const last = all.at(-1)!;
    const marked = all.find((s) => s.pose)?.pose;
    return {
      ...base,
      scenes: [{ scene: 1, kind: 'presenter', pose: marked ?? (r === 0 ? DEFAULT_POSE : cycled(POSES.indexOf(DEFAULT_POSE), r)), narration: all.map((s) => s.text).join(script.language === 'zh' ? '' : ' ') }],
      timing: [{ scene: 1, start_sec: 0, duration_sec: Math.round((last.start_sec + last.duration_sec) * 100) / 100, script_scenes: all.map((s) => s.scene) }],
    };
  }
  const scenes = script.scenes.map((s, i): PresenterSceneItem => {
    if (plan === 'broll' && i > 0 && (i + r) % 2 === 1 && s.visual.terms.length > 0) return { scene: i + 1, kind: 'broll', narration: s.text };
    const pose = s.pose ?? (plan === 'pose' ? cycled(i, r) : r === 0 ? DEFAULT_POSE : cycled(i, r));
    return { scene: i + 1, kind: 'presenter', pose, narration: s.text };
  });
  return { ...base, scenes, timing: script.scenes.map((s) => ({ scene: s.scene, start_sec: s.start_sec, duration_sec: s.duration_sec, script_scenes: [s.scene] })) };
}
