/**
 * Text to sentences for narration and subtitles. Paragraph breaks (blank
 * lines) always end a sentence. Each paragraph is split by its own script:
 * English with wink-nlp's sentence boundaries (abbreviations, decimals,
 * initials), anything with Chinese in it by CJK punctuation, which also
 * copes with English words and ASCII punctuation inside Chinese text.
 * Sentences too long for a subtitle are then cut at commas.
 */

import { type ArticleLanguage, detectLanguage, joinText, speechUnits } from './language.ts';
import { readEnglish } from './nlp.ts';

/** A sentence with more Han characters than this is cut at commas. */
export const MAX_SENTENCE_HAN = 60;
/** A sentence with more words than this is cut at commas. */
export const MAX_SENTENCE_WORDS = 30;

export function splitSentences(text: string, language: ArticleLanguage): string[] {
  return splitSourceSentences(text, language).flat();
}

/**
 * The sentences as the article wrote them, each as the pieces
 * `splitSentences` narrates it in (one piece unless it was cut at commas),
 * so that condensing can keep or drop a sentence whole.
 */
export function splitSourceSentences(text: string, language: ArticleLanguage): string[][] {
  const sentences: string[][] = [];
  for (const block of text.split(/\n[ \t]*\n/)) {
    const paragraph = joinText(block.split('\n'));
    if (!paragraph) continue;
    const own = /[\p{L}\p{N}]/u.test(paragraph) ? detectLanguage(paragraph) : language;
    const parts = own === 'zh' ? cjkSentences(paragraph) : englishSentences(paragraph);
    for (const s of parts) sentences.push(splitLongSentence(s));
  }
  return sentences;
}

function englishSentences(paragraph: string): string[] {
  const raw = readEnglish(paragraph).sentences;
  const out: string[] = [];
  for (const value of raw) {
    let s = value.trim();
    // wink ends a sentence at the first dot of "...", leaving ".. Next" as the next one.
    const stray = /^([.…!?]+)\s*/.exec(s);
    if (stray && out.length > 0) {
      out.push(`${out.pop()!}${stray[1]!}`);
      s = s.slice(stray[0].length);
    }
    if (s) out.push(s);
  }
  return out;
}

/** Always end a sentence, however many follow each other ("？！", "……"). */
const CJK_TERMINATORS = new Set(['。', '！', '？', '；', '…', '｡', '．', '!', '?', ';']);
/** Closing quotes and brackets that belong to the sentence they follow. */
const CLOSERS = new Set(['”', '’', '」', '』', '）', ')', '】', '》', '〉', ']', '〕']);

export function cjkSentences(paragraph: string): string[] {
  const chars = [...paragraph];
  const out: string[] = [];
  let start = 0;
  const cut = (end: number) => {
    const s = chars.slice(start, end).join('').trim();
    if (s) out.push(s);
    start = end;
  };
  for (let i = 0; i < chars.length; i++) {
    if (!endsSentence(chars, i)) continue;
    let end = i + 1;
    while (end < chars.length && (CJK_TERMINATORS.has(chars[end]!) || chars[end] === '.')) end += 1;
    for (;;) {
      const next = chars[end];
      if (next === undefined) break;
      const openAsciiQuote = next === '"' && countOf(chars, '"', start, end) % 2 === 1;
      if (!CLOSERS.has(next) && !openAsciiQuote) break;
      end += 1;
    }
    cut(end);
    i = end - 1;
  }
  cut(chars.length);
  return out;
}

function endsSentence(chars: readonly string[], i: number): boolean {
  const ch = chars[i]!;
  if (CJK_TERMINATORS.has(ch)) return true;
  if (ch !== '.') return false;
  // An ASCII full stop ends a sentence only before white space, the end, or a
  // CJK character; never inside "3.5" or "example.com", nor after an initial ("U.S.").
  const next = chars[i + 1];
  if (next !== undefined && !/[\s\p{Script=Han}\u3000-\u303f\uff00-\uffef"”’」』）)]/u.test(next)) return false;
  const prev = chars[i - 1] ?? '';
  const beforePrev = chars[i - 2] ?? '';
  if (/\p{Lu}/u.test(prev) && !/\p{L}/u.test(beforePrev)) return false;
  return true;
}

function countOf(chars: readonly string[], ch: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (chars[i] === ch) n += 1;
  return n;
}

/** How much of a sentence's length budget a piece of text uses (1 = full). */
function load(text: string): number {
  const { han, words } = speechUnits(text);
  return han / MAX_SENTENCE_HAN + words / MAX_SENTENCE_WORDS;
}

/**
 * Cuts an over-long sentence after commas (full-width "，", or an ASCII ","
 * followed by a space, so "1,000" stays whole), filling each piece greedily
 * up to the budget. A piece without a comma to cut at stays long.
 */
export function splitLongSentence(sentence: string): string[] {
  if (load(sentence) <= 1) return [sentence];
  const clauses = sentence.split(/(?<=，|,(?=\s))\s*/u).filter(Boolean);
  if (clauses.length < 2) return [sentence];
  const pieces: string[] = [];
  let current: string[] = [];
  for (const clause of clauses) {
    if (current.length > 0 && load(joinText([...current, clause])) > 1) {
      pieces.push(joinText(current));
      current = [];
    }
    current.push(clause);
  }
  if (current.length > 0) pieces.push(joinText(current));
  return pieces;
}
