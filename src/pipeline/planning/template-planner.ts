import { readPrompt, type PromptBrief } from './prompt-brief.ts';
import { type ScenePlan, type SpeechRate, speechSec } from './scene-plan.ts';
import { Beat, BEAT_NOUNS, BEAT_NOUNS_ZH, beatLines, DEFAULT_TONE, fillLine, RELATED_NOUNS, type Tone } from './template-copy.ts';

/**
 * The planner that needs no model: scenes from the prompt's kind, subject,
 * tone and length. Four beats at least (a hook, what it is, why it matters,
 * a call to action); a longer video gets more scenes in the middle, one
 * every `TARGET_SCENE_SEC`. Each scene starts with its beat's first line;
 * then, one line at a time, the shortest scene whose next line brings the
 * total narration closer to the target gets it. Lengths are estimated at
 * the voice's speaking rate. Pure and deterministic.
 */

export const DEFAULT_PROMPT_DURATION_SEC = 30;
/** About how long a scene runs: a picture changes this often. */
export const TARGET_SCENE_SEC = 7.5;
export const MIN_BEATS = 4;
/** Nouns given to a scene for its pictures. */
export const SCENE_NOUNS = 3;

export interface TemplatePlanOptions {
  /** Default: the prompt's own ("30-sec"), else `DEFAULT_PROMPT_DURATION_SEC`. */
  durationSec?: number | undefined;
  /** Default by kind (`DEFAULT_TONE`). */
  tone?: Tone | undefined;
  rate: SpeechRate;
}

export interface TemplatePlan {
  plan: ScenePlan;
  brief: PromptBrief;
  tone: Tone;
  durationSec: number;
  /** Each scene's beat, in order. */
  beats: Beat[];
}

interface Draft {
  beat: Beat;
  lines: string[];
  spare: string[];
  sec: number;
}

export function templatePlan(prompt: string, opts: TemplatePlanOptions): TemplatePlan {
  const brief = readPrompt(prompt);
  const durationSec = opts.durationSec ?? brief.durationSec ?? DEFAULT_PROMPT_DURATION_SEC;
  const tone = opts.tone ?? DEFAULT_TONE[brief.kind];
  const words = { thing: brief.thing, subject: brief.subject };
  const lines = beatLines(brief.kind, tone, brief.language);
  const fill = (list: readonly string[]) => list.map((l) => fillLine(l, words));

  // The middle scenes share the why and detail lines, in order, so none is said twice.
  const middle = fill([...lines.why, ...lines.detail]);
  const middleCount = Math.min(middle.length, Math.max(MIN_BEATS, Math.round(durationSec / TARGET_SCENE_SEC)) - 3);
  let start = 0;
  const middleDrafts = split(middle, middleCount).map((chunk) => {
    // A run that starts among the why lines says why it matters; later runs add detail.
    const beat = start < lines.why.length ? Beat.why : Beat.detail;
    start += chunk.length;
    return draft(beat, chunk);
  });
  const drafts: Draft[] = [draft(Beat.hook, fill(lines.hook)), draft(Beat.what, fill(lines.what)), ...middleDrafts, draft(Beat.cta, fill(lines.cta))];
  const secOf = (text: string) => speechSec(text, opts.rate);
  for (const d of drafts) d.sec = secOf(d.lines[0]!);
  let total = drafts.reduce((s, d) => s + d.sec, 0);
  for (;;) {
    const better = drafts
      .filter((d) => d.spare.length > 0 && Math.abs(total + secOf(d.spare[0]!) - durationSec) < Math.abs(total - durationSec))
      .sort((a, b) => a.sec - b.sec)[0];
    if (!better) break;
    const line = better.spare.shift()!;
    better.lines.push(line);
    better.sec += secOf(line);
    total += secOf(line);
  }

  const nouns = subjectNouns(brief);
  let shown = 0;
  const scenes = drafts.map((d, i) => {
    const narration = d.lines.join(brief.language === 'zh' ? '' : ' ');
    // The hook sets the scene and the call to action shows where to buy; the scenes between show the thing,
    // each another picture of it while there are others (a video never shows one picture twice).
    const setting = d.beat === Beat.hook || d.beat === Beat.cta;
    const subjectNoun = nouns[setting ? 0 : shown++ % nouns.length]!;
    const own = (brief.language === 'zh' ? BEAT_NOUNS_ZH : BEAT_NOUNS)[d.beat];
    const beatNoun = own[setting ? 0 : i % own.length]!;
    const visual = setting ? [beatNoun, subjectNoun] : [subjectNoun, beatNoun];
    return { narration, visual_keywords: [...new Set([...visual, nouns[0]!])].slice(0, SCENE_NOUNS), duration_sec: round1(d.sec) };
  });
  return { plan: { title: titleOf(brief, tone), scenes }, brief, tone, durationSec, beats: drafts.map((d) => d.beat) };
}

function draft(beat: Beat, lines: readonly string[]): Draft {
  return { beat, lines: lines.slice(0, 1), spare: lines.slice(1), sec: 0 };
}

/** `list` in `parts` runs of consecutive items, as even as they go, none empty. */
function split<T>(list: readonly T[], parts: number): T[][] {
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const size = Math.floor((list.length - start) / (parts - i));
    out.push(list.slice(start, start + size));
    start += size;
  }
  return out;
}

function subjectNouns(brief: PromptBrief): string[] {
  const last = brief.thing.split(' ').at(-1)!.toLowerCase();
  return [...(RELATED_NOUNS[brief.thing.toLowerCase()] ?? RELATED_NOUNS[last] ?? [brief.thing])];
}

const AD_TITLES: Readonly<Record<Tone, string>> = {
  upbeat: '{Thing} that makes your day',
  calm: '{Thing}, made simply',
  serious: '{Thing}, done properly',
  playful: '{Thing} with personality',
};
const KIND_TITLES = { explainer: '{Subject}, explained', tutorial: '{Subject}: a quick guide', announcement: 'News: {subject}' } as const;

function titleOf(brief: PromptBrief, tone: Tone): string {
  if (brief.language === 'zh') return brief.subject;
  const template = brief.kind === 'ad' ? AD_TITLES[tone] : KIND_TITLES[brief.kind];
  return fillLine(template, { thing: brief.thing, subject: brief.subject });
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
