/**
 * Sentences to a narration script: scenes of a few seconds of speech each,
 * with keywords for material search, and subtitle line breaking. Pure and
 * deterministic; durations here are estimates for grouping only — the
 * pipeline times subtitles from the audio actually synthesized.
 */

import type { Article } from './article.ts';
import { type ArticleLanguage, displayWidth, isWide, joinText, speechUnits } from './language.ts';
import type { Understanding } from './understand.ts';
import { SlotflowError } from '../../core/errors.ts';

export interface ScriptOptions {
  /** Longest a scene may run, in estimated seconds of speech; a single longer sentence still gets a scene of its own. Default 8. */
  maxSceneSec?: number;
  /** English speaking rate, words a second. Default 2.6 (about 155 words a minute). */
  wordsPerSec?: number;
  /** Chinese speaking rate, characters a second. Default 4.5. */
  charsPerSec?: number;
}

export type CompiledScriptOptions = Required<ScriptOptions>;

export const DEFAULT_MAX_SCENE_SEC = 8;
export const DEFAULT_WORDS_PER_SEC = 2.6;
export const DEFAULT_CHARS_PER_SEC = 4.5;
/** Key phrases given to a scene in which none of them occurs. */
export const FALLBACK_SCENE_KEYWORDS = 3;
/** Most key phrases given to one scene. */
export const MAX_SCENE_KEYWORDS = 5;
/** Subtitle line lengths: Latin characters, or CJK characters (each two columns wide). */
export const SUBTITLE_MAX_CHARS: Record<ArticleLanguage, number> = { en: 42, zh: 16 };

export class ScriptOptionError extends SlotflowError {
  override name = 'ScriptOptionError';
  constructor(
    readonly option: keyof ScriptOptions,
    readonly value: unknown,
  ) {
    super(`script option ${option} must be a positive finite number, got ${String(value)}`, { code: 'invalid-script-option' });
  }
}

export function compileScriptOptions(opts: ScriptOptions = {}): CompiledScriptOptions {
  const compiled: CompiledScriptOptions = {
    maxSceneSec: opts.maxSceneSec ?? DEFAULT_MAX_SCENE_SEC,
    wordsPerSec: opts.wordsPerSec ?? DEFAULT_WORDS_PER_SEC,
    charsPerSec: opts.charsPerSec ?? DEFAULT_CHARS_PER_SEC,
  };
  for (const [option, value] of Object.entries(compiled) as [keyof ScriptOptions, number][]) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ScriptOptionError(option, value);
  }
  return compiled;
}

export interface Scene {
  /** 0-based position in the script. */
  index: number;
  sentences: string[];
  /** The sentences joined as they are narrated. */
  text: string;
  /** Key phrases that occur in the scene, else the article's top ones. */
  keywords: string[];
  estimatedSec: number;
  /** A planner's concrete nouns for the scene's pictures, searched before the narration's own terms (prompt flows only). */
  visual_terms?: string[];
  /** Which sentences of the source (numbered from 1) the scene says, when the script was made from an article. */
  source_sentences?: number[];
}

export interface Script {
  title: string;
  language: ArticleLanguage;
  scenes: Scene[];
}

/**
 * Estimated seconds to say a text: Han characters at `charsPerSec`, every
 * other word (numbers included) at `wordsPerSec`, whatever the article's
 * language, so mixed sentences are estimated by what they contain.
 */
export function estimateSpeechSec(text: string, opts: Pick<CompiledScriptOptions, 'wordsPerSec' | 'charsPerSec'>): number {
  const { han, words } = speechUnits(text);
  return round2(han / opts.charsPerSec + words / opts.wordsPerSec);
}

/**
 * Groups sentences greedily, in order, into scenes of at most `maxSceneSec`
 * of estimated speech: a sentence joins the current scene unless that would
 * take it over the limit. A sentence longer than the limit on its own is a
 * scene by itself.
 */
export function buildScript(
  article: Pick<Article, 'title' | 'language'>,
  understanding: Pick<Understanding, 'sentences' | 'keyPhrases'>,
  opts: ScriptOptions = {},
): Script {
  const options = compileScriptOptions(opts);
  const groups: { sentences: string[]; sec: number }[] = [];
  let current: { sentences: string[]; sec: number } | undefined;
  for (const sentence of understanding.sentences) {
    const sec = estimateSpeechSec(sentence, options);
    if (!current || current.sec + sec > options.maxSceneSec) {
      current = { sentences: [], sec: 0 };
      groups.push(current);
    }
    current.sentences.push(sentence);
    current.sec = round2(current.sec + sec);
  }
  const scenes = groups.map((g, index): Scene => {
    const text = joinText(g.sentences);
    return { index, sentences: g.sentences, text, keywords: sceneKeywords(text, understanding.keyPhrases), estimatedSec: g.sec };
  });
  return { title: article.title, language: article.language, scenes };
}

function sceneKeywords(text: string, keyPhrases: readonly string[]): string[] {
  const haystack = text.toLowerCase();
  const found = keyPhrases.filter((k) => containsPhrase(haystack, k.toLowerCase()));
  return (found.length > 0 ? found.slice(0, MAX_SCENE_KEYWORDS) : keyPhrases.slice(0, FALLBACK_SCENE_KEYWORDS)).slice();
}

/** Whole-word match for Latin phrases ("car" is not in "scarce"); substring match for CJK. */
function containsPhrase(haystack: string, phrase: string): boolean {
  if (!phrase) return false;
  if (/\p{Script=Han}/u.test(phrase)) return haystack.includes(phrase);
  const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Allow a plural or possessive ending on the last word ("panel" in "panels").
  // Boundaries are Latin letters and digits only: "iPhone" is a word in "新的iPhone 15".
  return new RegExp(`(?<![\\p{Script=Latin}\\p{N}])${escaped}(?:s|es|'s|’s)?(?![\\p{Script=Latin}\\p{N}])`, 'u').test(haystack);
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Characters that must not start a subtitle line (they close what came before). */
const NO_LINE_START = /^[，。！？；：、,.!?;:)\]}）】》」』”’…%]/u;
/** Characters that must not end a subtitle line (they open what comes next). */
const NO_LINE_END = /[（(【《「『“‘[{]$/u;

/**
 * Breaks one sentence into subtitle lines of at most `maxChars` (Latin
 * characters; for Chinese, CJK characters). Breaks between words for Latin
 * text and between any two CJK characters, never before closing
 * punctuation nor after opening punctuation. As many lines as greedy
 * filling needs, but among the line widths that need no more lines, the
 * breaks that fall at commas and give even lines win (`breakCost`). A
 * single word longer than a line is cut.
 */
export function subtitleLines(sentence: string, language: ArticleLanguage, maxChars: number = SUBTITLE_MAX_CHARS[language]): string[] {
  if (!Number.isFinite(maxChars) || maxChars < 1) throw new RangeError(`maxChars must be at least 1, got ${maxChars}`);
  // Work in screen columns, where a CJK character is two.
  const maxWidth = language === 'zh' ? maxChars * 2 : maxChars;
  const units = breakUnits(sentence.replace(/\s+/g, ' ').trim(), maxWidth);
  if (units.length === 0) return [];
  const greedy = fill(units, maxWidth);
  if (greedy.length <= 1) return greedy;
  const total = units.reduce((w, u) => w + displayWidth(u.text) + (u.spaceBefore ? 1 : 0), 0);
  let best = greedy;
  let bestCost = breakCost(greedy, maxWidth);
  for (let width = Math.ceil(total / greedy.length); width < maxWidth; width++) {
    if (units.some((u) => displayWidth(u.text) > width)) continue;
    const lines = fill(units, width);
    if (lines.length > greedy.length) continue;
    const cost = breakCost(lines, maxWidth);
    if (cost < bestCost) {
      best = lines;
      bestCost = cost;
    }
  }
  return best;
}

/** A last line narrower than this share of the width is a stray ("by far."). */
const STRAY_LINE_SHARE = 0.25;

/**
 * How bad a set of line breaks reads: each break that is not at a clause end
 * costs 1, a stray last line 1, and uneven line lengths up to 1 more.
 */
function breakCost(lines: readonly string[], maxWidth: number): number {
  const midClause = lines.slice(0, -1).filter((l) => !CLAUSE_END.test(l)).length;
  const widths = lines.map(displayWidth);
  const stray = widths.length > 1 && widths.at(-1)! < maxWidth * STRAY_LINE_SHARE ? 1 : 0;
  return midClause + stray + (Math.max(...widths) - Math.min(...widths)) / maxWidth;
}

interface BreakUnit {
  text: string;
  /** Whether a space separates it from the unit before (dropped at a line start). */
  spaceBefore: boolean;
}

/** Splits text into units a line may break between: Latin words, single CJK characters, each with its trailing punctuation. */
function breakUnits(text: string, maxWidth: number): BreakUnit[] {
  const units: BreakUnit[] = [];
  let space = false;
  for (const token of text.match(/\s+|[^\s]/gu) ?? []) {
    if (/^\s/.test(token)) {
      space = true;
      continue;
    }
    const last = units.at(-1);
    const glue = last && !space && (!isWide(token) || NO_LINE_START.test(token)) && !isWide(last.text.at(-1)!);
    const closes = last && !space && NO_LINE_START.test(token);
    const opened = last && !space && NO_LINE_END.test(last.text);
    if (last && (glue || closes || opened)) last.text += token;
    else units.push({ text: token, spaceBefore: space && units.length > 0 });
    space = false;
  }
  // Cut words wider than a whole line.
  return units.flatMap((u) => {
    if (displayWidth(u.text) <= maxWidth) return [u];
    const pieces: BreakUnit[] = [];
    let piece = '';
    for (const ch of u.text) {
      if (piece && displayWidth(piece + ch) > maxWidth) {
        pieces.push({ text: piece, spaceBefore: pieces.length === 0 && u.spaceBefore });
        piece = '';
      }
      piece += ch;
    }
    if (piece) pieces.push({ text: piece, spaceBefore: pieces.length === 0 && u.spaceBefore });
    return pieces;
  });
}

/** A line may end after these with a natural pause. */
const CLAUSE_END = /[，、；：,;:。！？.!?…—]$/u;
/** A line broken early at a clause end keeps at least this share of the width. */
const MIN_CLAUSE_BREAK_SHARE = 0.6;

/**
 * Fills lines up to `maxWidth`; when a line overflows and it holds a clause
 * end far enough along, it breaks there instead, so "迅速" is not split
 * across lines when a comma a few characters earlier would do.
 */
function fill(units: readonly BreakUnit[], maxWidth: number): string[] {
  const lines: string[] = [];
  const render = (from: number, to: number) => units.slice(from, to).map((u, i) => (i > 0 && u.spaceBefore ? ' ' : '') + u.text).join('');
  let start = 0;
  for (let i = 0; i < units.length; i++) {
    if (i === start || displayWidth(render(start, i + 1)) <= maxWidth) continue;
    let end = i;
    for (let j = i - 1; j > start; j--) {
      if (CLAUSE_END.test(units[j - 1]!.text) && displayWidth(render(start, j)) >= maxWidth * MIN_CLAUSE_BREAK_SHARE) {
        end = j;
        break;
      }
      if (displayWidth(render(start, j)) < maxWidth * MIN_CLAUSE_BREAK_SHARE) break;
    }
    lines.push(render(start, end));
    start = end;
    i = end;
  }
  if (start < units.length) lines.push(render(start, units.length));
  return lines;
}
