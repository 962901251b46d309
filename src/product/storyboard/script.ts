import { type SpeechRate, speechSec } from '../../pipeline/planning/scene-plan.ts';
import type { Tone } from '../../pipeline/planning/template-copy.ts';
import { DEFAULT_PROMPT_DURATION_SEC, templatePlan } from '../../pipeline/planning/template-planner.ts';
import { SCENE_TAIL_SEC, SENTENCE_PAUSE_SEC } from '../../pipeline/handlers/speech-synthesize.ts';
import { detectLanguage } from '../../pipeline/text/language.ts';
import { splitSentences } from '../../pipeline/text/sentences.ts';
import type { OutputSnapshot } from '../types.ts';
import {
  backgroundOf, frameOf, keyPhrase, layoutCycle, productName, round3, sceneSeed, type Storyboard, StoryboardError, type VideoScene, wholeFrames,
} from './common.ts';

/**
 * The script-to-video storyboard: the script (the snapshot's own, or one the template planner writes from the
 * prompt and the product's name at the voice's pace) cut into scenes, a paragraph each, or, for a script of one
 * paragraph, a sentence each with short sentences joined to the next. Each scene carries its narration (also its
 * captions), the key phrase of its first sentence as its headline, a layout in turn, and the seconds the voice
 * will take to say it, with the pauses the narration puts between sentences and after the last.
 */

/** A scene shorter than this (estimated) is joined to the next: a picture that flashes by says nothing. */
export const MIN_SCRIPT_SCENE_SEC = 2.5;
export const MAX_SCRIPT_CHARS = 6000;

export interface ScriptPlanOptions {
  /** The pace of the voice that will speak it. */
  rate: SpeechRate;
  tone?: Tone;
}

/** The script the scenes are cut from: the snapshot's, else one the template planner writes. */
export function scriptText(snapshot: OutputSnapshot, options: ScriptPlanOptions): { text: string; written: boolean } {
  const given = snapshot.options.script;
  if (given !== undefined) {
    if (typeof given !== 'string' || given.trim() === '') throw new StoryboardError('options.script', 'script-empty', 'the script has nothing to say');
    if (given.length > MAX_SCRIPT_CHARS) throw new StoryboardError('options.script', 'invalid-option', `a script is at most ${MAX_SCRIPT_CHARS} characters; this one has ${given.length}`);
    return { text: given.trim(), written: false };
  }
  const prompt = `An ad for ${productName(snapshot)}. ${snapshot.prompt}`;
  const plan = templatePlan(prompt, { durationSec: snapshot.options.duration_s ?? DEFAULT_PROMPT_DURATION_SEC, rate: options.rate, tone: options.tone }).plan;
  return { text: plan.scenes.map((s) => s.narration.trim()).join('\n\n'), written: true };
}

/** What saying `sentences` takes at `rate`, with the narration's pauses. */
export function spokenSec(sentences: readonly string[], rate: SpeechRate): number {
  return sentences.reduce((sum, s) => sum + speechSec(s, rate), 0) + SENTENCE_PAUSE_SEC * Math.max(0, sentences.length - 1) + SCENE_TAIL_SEC;
}

export function scriptStoryboard(snapshot: OutputSnapshot, options: ScriptPlanOptions): Storyboard & { script: string; written: boolean } {
  frameOf(snapshot);
  const { text, written } = scriptText(snapshot, options);
  const language = detectLanguage(text);
  const paragraphs = text.split(/\n\s*\n/u).map((p) => p.trim()).filter(Boolean);
  const groups = paragraphs.length > 1
    ? paragraphs.map((p) => splitSentences(p, language))
    : joinShort(splitSentences(paragraphs[0] ?? '', language), options.rate);
  if (groups.length === 0) throw new StoryboardError('options.script', 'script-empty', 'the script has nothing to say');
  const layouts = layoutCycle(snapshot, groups.length);
  const scenes = groups.map((sentences, i): VideoScene => {
    const narration = sentences.join(' ');
    return {
      scene: i + 1,
      layout: layouts[i]!,
      headline: keyPhrase(sentences[0]!),
      background: backgroundOf(snapshot, i),
      narration,
      caption: narration,
      duration_s: wholeFrames(spokenSec(sentences, options.rate)),
      seed: sceneSeed(snapshot, i),
      band: 'bottom',
      motion: 'push',
    };
  });
  return { scenes, duration_s: round3(scenes.reduce((a, s) => a + s.duration_s, 0)), script: text, written };
}

/** Sentences grouped so that each group takes at least `MIN_SCRIPT_SCENE_SEC`; a short last one joins the one before. */
function joinShort(sentences: readonly string[], rate: SpeechRate): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  for (const s of sentences) {
    current.push(s);
    if (spokenSec(current, rate) >= MIN_SCRIPT_SCENE_SEC) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length > 0) {
    if (groups.length > 0) groups[groups.length - 1]!.push(...current);
    else groups.push(current);
  }
  return groups;
}
