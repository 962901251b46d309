/**
 * Fitting a narration to a target length (`options.duration_s`), in two
 * steps that anything writing scenes can call (the article script today, a
 * planner later):
 *
 * 1. Before synthesis, `condenseToDuration` picks whole sentences, most
 *    central first (`rankSentences`), until the estimated narration reaches
 *    the target, and keeps them in the article's order. The first sentence
 *    is always kept: it is where an article says what it is about. A text
 *    whose whole narration is estimated to fit is kept whole: it is never
 *    padded, and its narration is then simply shorter than the target.
 * 2. After synthesis, `tempoCorrection` compares the narration actually
 *    synthesized with the target; when it is off by more than
 *    `CORRECT_BEYOND`, the speech is played a little faster or slower
 *    (pitch kept), by at most `MAX_TEMPO_CHANGE`. A narration that was not
 *    condensed is only ever sped up, never stretched towards the target.
 *
 * "Narration" is what SpeechSynthesis makes: every scene's speech, with the
 * pauses between sentences and the breath after each scene, i.e. the sum of
 * the scenes' speech lengths; the title card is not narration.
 */

/** The target is met within ±10 %. */
export const DURATION_TOLERANCE = 0.1;
/** A narration off by more than this share is corrected, so what lands stays well inside the tolerance. */
export const CORRECT_BEYOND = 0.03;
/** The most the tempo is changed: more is audible as a voice that is not the speaker's own. */
export const MAX_TEMPO_CHANGE = 0.08;

export interface NarrationTiming {
  /** Seconds of speech of one piece of text, as the voice in use says it. */
  secondsOf(text: string): number;
  /** Silence after each sentence but a scene's last. */
  pauseSec: number;
  /** Silence after a scene's last sentence. */
  sceneTailSec: number;
  /** Longest a scene's speech runs before the next scene starts. */
  maxSceneSec: number;
}

export interface Condensed {
  /** 0-based indexes of the source sentences kept, in order. */
  kept: number[];
  /** Estimated narration of what is kept. */
  estimatedSec: number;
  /** Whether sentences were left out. */
  condensed: boolean;
}

/**
 * `sentences` are the source sentences, each as the pieces it is narrated
 * in (a long sentence cut at commas is still one sentence: kept or dropped
 * whole); `scores` one per sentence, higher is more central.
 */
export function condenseToDuration(
  sentences: readonly (readonly string[])[],
  scores: readonly number[],
  targetSec: number,
  timing: NarrationTiming,
  /** Sentences that may be kept when condensing (default all): headings read out of context say nothing. */
  eligible: (index: number) => boolean = () => true,
): Condensed {
  const pieceSec = sentences.map((pieces) => pieces.map((p) => timing.secondsOf(p)));
  const estimate = (kept: readonly number[]) => narrationSec(kept.flatMap((i) => pieceSec[i]!), timing);
  const all = sentences.map((_s, i) => i);
  const whole = estimate(all);
  const candidates = all.filter(eligible);
  if (whole <= targetSec * (1 + CORRECT_BEYOND) || candidates.length === 0) return { kept: all, estimatedSec: whole, condensed: false };

  const [lead, ...rest] = candidates;
  const byRank = [lead!, ...rest.sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b)];
  const kept = new Set<number>();
  const sorted = () => [...kept].sort((a, b) => a - b);
  for (const i of byRank) {
    kept.add(i);
    if (estimate(sorted()) > targetSec) kept.delete(i);
  }
  // Not one sentence fits: the shortest is said, and the tempo correction does what it can.
  if (kept.size === 0) kept.add(candidates.reduce((a, b) => (estimate([b]) < estimate([a]) ? b : a)));
  // Under the target with every further sentence too long: one more sentence may still land closer.
  let best = estimate(sorted());
  if (best < targetSec * (1 - CORRECT_BEYOND)) {
    let pick: number | undefined;
    for (const i of byRank) {
      if (kept.has(i)) continue;
      const sec = estimate([...sorted(), i].sort((a, b) => a - b));
      if (Math.abs(sec - targetSec) < Math.abs(best - targetSec)) {
        best = sec;
        pick = i;
      }
    }
    if (pick !== undefined) kept.add(pick);
  }
  const final = sorted();
  return { kept: final, estimatedSec: estimate(final), condensed: final.length < sentences.length };
}

/**
 * The narration of pieces spoken in order: their speech, a pause after
 * each, and a scene's breath instead of the pause where a scene ends
 * (scenes group pieces greedily up to `maxSceneSec`, as `buildScript` does).
 */
export function narrationSec(pieceSec: readonly number[], timing: NarrationTiming): number {
  let total = 0;
  let scenes = 0;
  let current = Infinity;
  for (const sec of pieceSec) {
    if (current + sec > timing.maxSceneSec) {
      scenes += 1;
      current = 0;
    }
    current += sec;
    total += sec + timing.pauseSec;
  }
  return total + scenes * (timing.sceneTailSec - timing.pauseSec);
}

/**
 * The tempo that brings a synthesized narration to its target: 1 (leave it)
 * when it is within `CORRECT_BEYOND`, or when it is short and was not
 * condensed; otherwise measured / target, kept within `MAX_TEMPO_CHANGE`.
 */
export function tempoCorrection(measuredSec: number, targetSec: number, condensed: boolean): number {
  if (!(measuredSec > 0) || !(targetSec > 0)) return 1;
  const ratio = measuredSec / targetSec;
  if (Math.abs(ratio - 1) <= CORRECT_BEYOND) return 1;
  if (ratio < 1 && !condensed) return 1;
  return Math.min(1 + MAX_TEMPO_CHANGE, Math.max(1 - MAX_TEMPO_CHANGE, ratio));
}
