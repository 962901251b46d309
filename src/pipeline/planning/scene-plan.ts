import { speechUnits } from '../text/language.ts';

/**
 * A planner's answer: the scenes of a video written from a prompt, each with
 * its narration, the concrete nouns its pictures are looked up by, and the
 * seconds it should last. The JSON Schema below is what an LLM is asked to
 * answer in and what its answer is checked against; the template planner
 * makes the same shape.
 */

export interface PlannedScene {
  narration: string;
  /** Concrete nouns for the picture search ("coffee cup", "sunrise"). */
  visual_keywords: string[];
  duration_sec: number;
}

export interface ScenePlan {
  title: string;
  scenes: PlannedScene[];
}

/** Bounds the schema holds an answer to: a video of a handful of short scenes. */
export const PLAN_LIMITS = {
  minScenes: 1,
  maxScenes: 60,
  maxNarrationChars: 600,
  maxKeywords: 6,
  maxTitleChars: 120,
  minSceneSec: 1,
  maxSceneSec: 60,
} as const;

/** Strict-mode JSON Schema: every property required, no others, as OpenAI's `strict: true` demands. */
export const SCENE_PLAN_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'scenes'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: PLAN_LIMITS.maxTitleChars },
    scenes: {
      type: 'array',
      minItems: PLAN_LIMITS.minScenes,
      maxItems: PLAN_LIMITS.maxScenes,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['narration', 'visual_keywords', 'duration_sec'],
        properties: {
          narration: { type: 'string', minLength: 1, maxLength: PLAN_LIMITS.maxNarrationChars },
          visual_keywords: { type: 'array', minItems: 1, maxItems: PLAN_LIMITS.maxKeywords, items: { type: 'string', minLength: 1 } },
          duration_sec: { type: 'number', minimum: PLAN_LIMITS.minSceneSec, maximum: PLAN_LIMITS.maxSceneSec },
        },
      },
    },
  },
} as const;

/** How fast the voice speaks: English words and Han characters a second. */
export interface SpeechRate {
  wordsPerSec: number;
  charsPerSec: number;
}

export function speechSec(text: string, rate: SpeechRate): number {
  const { han, words } = speechUnits(text);
  return han / rate.charsPerSec + words / rate.wordsPerSec;
}

export function planSpeechSec(scenes: readonly Pick<PlannedScene, 'narration'>[], rate: SpeechRate): number {
  return scenes.reduce((sum, s) => sum + speechSec(s.narration, rate), 0);
}

/** What fitting did to a plan's length, for the task to show. */
export interface PlanFit {
  target_sec: number;
  /** The narration's estimated length at the voice's rate, after fitting. */
  estimated_sec: number;
  /** Scenes dropped from the end because the narration ran over. */
  dropped_scenes: number;
}

/** Narration this much over the target is cut back by dropping scenes from the end (never the last, the call to action). */
export const OVERRUN_TOLERANCE = 1.15;

/**
 * Fits a plan to the target length: while the narration runs more than
 * `OVERRUN_TOLERANCE` over and more than two scenes are left, the scene
 * before the last is dropped (the middle says the least; the hook and the
 * call to action stay). Then each scene's `duration_sec` is its own
 * narration's estimated length, so the durations add up to what is said.
 * Narration is never rewritten here: a short plan stays short and says so.
 */
export function fitPlan(plan: ScenePlan, targetSec: number, rate: SpeechRate): { plan: ScenePlan; fit: PlanFit } {
  const scenes = [...plan.scenes];
  let dropped = 0;
  while (scenes.length > 2 && planSpeechSec(scenes, rate) > targetSec * OVERRUN_TOLERANCE) {
    scenes.splice(scenes.length - 2, 1);
    dropped++;
  }
  const timed = scenes.map((s) => ({ ...s, duration_sec: round1(Math.max(PLAN_LIMITS.minSceneSec, speechSec(s.narration, rate))) }));
  return {
    plan: { title: plan.title, scenes: timed },
    fit: { target_sec: targetSec, estimated_sec: round1(planSpeechSec(timed, rate)), dropped_scenes: dropped },
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
