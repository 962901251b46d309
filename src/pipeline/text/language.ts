/**
 * Script-level helpers shared by parsing, sentence splitting, scripts and
 * subtitles: which characters are CJK, how wide a string is on screen, how
 * long it takes to say, and how to join pieces without putting a space
 * between two Chinese characters.
 */

export type ArticleLanguage = 'en' | 'zh';

/** Han share of letters at or above which a text counts as Chinese. */
export const ZH_HAN_SHARE = 0.25;

const HAN = /\p{Script=Han}/u;
const HAN_G = /\p{Script=Han}/gu;
const LATIN_LETTER_G = /\p{Script=Latin}/gu;
/** Han, kana, Hangul, CJK punctuation and full-width forms: two columns on screen, no spaces between words. */
const WIDE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff01-\uff60\uffe0-\uffe6]/u;
/** A run that is read as one word: letters, digits and the joiners inside them. */
const WORD_G = /[\p{L}\p{N}]+(?:['’.-][\p{L}\p{N}]+)*/gu;

export function isHan(ch: string): boolean {
  return HAN.test(ch);
}

export function isWide(ch: string): boolean {
  return WIDE.test(ch);
}

export function hanCount(text: string): number {
  return text.match(HAN_G)?.length ?? 0;
}

/**
 * 'zh' when Han characters make up at least `ZH_HAN_SHARE` of the Han and
 * Latin letters, else 'en'. Counting letters, not words, makes one Chinese
 * character weigh as much as one Latin letter, so a few Chinese names in an
 * English article stay English while a Chinese article full of brand names
 * stays Chinese.
 */
export function detectLanguage(text: string): ArticleLanguage {
  const han = hanCount(text);
  if (han === 0) return 'en';
  const latin = text.match(LATIN_LETTER_G)?.length ?? 0;
  return han / (han + latin) >= ZH_HAN_SHARE ? 'zh' : 'en';
}

/** Screen columns: wide characters count two, everything else one. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += isWide(ch) ? 2 : 1;
  return width;
}

/** Words read aloud outside CJK runs (a number counts as one word). */
export function latinWordCount(text: string): number {
  let n = 0;
  for (const m of text.matchAll(WORD_G)) if (!HAN.test(m[0])) n += 1;
  return n;
}

/**
 * Units of speech: one per Han character plus one per non-CJK word. Used to
 * measure sentence length whatever the mix of scripts.
 */
export function speechUnits(text: string): { han: number; words: number } {
  const han = hanCount(text);
  // Han characters are removed first so that "苹果iPhone" counts 2 Han + 1 word.
  const words = latinWordCount(text.replace(HAN_G, ' '));
  return { han, words };
}

const PUNCTUATION = /\p{P}/u;

/**
 * Joins pieces of text with a space, except at a seam between two wide (CJK)
 * characters, or between a wide character and punctuation ("。" + "“",
 * "……" + "你"), where Chinese puts no space.
 */
export function joinText(pieces: readonly string[]): string {
  let out = '';
  for (const raw of pieces) {
    const piece = raw.trim();
    if (!piece) continue;
    if (!out) {
      out = piece;
      continue;
    }
    const last = out.at(-1)!;
    const first = piece[0]!;
    const tight = (isWide(last) && (isWide(first) || PUNCTUATION.test(first))) || (isWide(first) && PUNCTUATION.test(last));
    out += tight ? piece : ` ${piece}`;
  }
  return out;
}
