import { DEFAULT_TRANSITION_SEC, MAX_TRANSITION_SEC, type Transition, TRANSITION_KINDS, type TransitionKind } from '../adapters/ffmpeg/index.ts';
import type { ParamType } from '../core/flow/params.ts';
import { TONES } from './submission.ts';

/**
 * The transition between scenes for a task: the VideoSynthesis component's
 * `params.transition` (and `params.transition_sec`) when the flow sets it,
 * else by the task's tone, else a crossfade. The title card always cuts to
 * the first scene: it fades through black on its own.
 */

/** Quiet tones dissolve, lively ones move, a serious one cuts. */
export const TONE_TRANSITION: Readonly<Record<(typeof TONES)[number], TransitionKind>> = {
  calm: 'crossfade', upbeat: 'slide', serious: 'cut', playful: 'wipe',
};
export const DEFAULT_TRANSITION: TransitionKind = 'crossfade';

/** What `video.synthesize` takes in `params`, checked when the flow loads. */
export const TRANSITION_PARAMS: Readonly<Record<string, ParamType>> = {
  transition: { oneOf: TRANSITION_KINDS },
  // Two decimals, so a value printed in an error reads as the one to write.
  transition_sec: { min: 0.05, max: Math.floor(MAX_TRANSITION_SEC * 100) / 100 },
};

export function transitionFor(params: Readonly<Record<string, unknown>>, options: Readonly<Record<string, unknown>>): Transition {
  const fromFlow = params.transition;
  const tone = options.tone;
  const kind = typeof fromFlow === 'string' && (TRANSITION_KINDS as readonly string[]).includes(fromFlow)
    ? (fromFlow as TransitionKind)
    : typeof tone === 'string' && Object.hasOwn(TONE_TRANSITION, tone) ? TONE_TRANSITION[tone as keyof typeof TONE_TRANSITION] : DEFAULT_TRANSITION;
  const sec = typeof params.transition_sec === 'number' ? params.transition_sec : DEFAULT_TRANSITION_SEC;
  return kind === 'cut' ? { kind, durationSec: 0 } : { kind, durationSec: sec };
}
