import { createHash } from 'node:crypto';
import type { Embedding, RequestEmbedder } from '../../core/ports/embedder.ts';
import { detectLanguage } from './language.ts';
import { readEnglish } from './nlp.ts';

/**
 * Lexical request vectors, made here with no service: the text's terms,
 * counted, as an L2-normalised sparse vector; word order is ignored, so "a
 * coffee cup on a wooden table" and "on a wooden table, a cup of coffee" are
 * the same vector and "a tea cup on a wooden table" is not.
 *
 * - English: wink-nlp lemmas, lower case, stop words and punctuation
 *   dropped, except negations (no, not, without…) and quantities (numbers
 *   in figures or words, many, few, first…: three cups are not four).
 * - Chinese: Han characters one by one, minus particles and other function
 *   characters; Latin words and numbers as in English. Characters, not
 *   words: a word segmenter cuts the same phrase differently once it is
 *   reordered (桌子上有一杯咖啡 gives 上有, 一杯咖啡放在桌子上 gives 上), which
 *   would make a reordering look like a different request.
 *
 * The bucket is a hash of the set of terms: only vectors with exactly the
 * same terms are compared. A word present on one side only is a different
 * request whatever the length; without this a long article with one word
 * changed would pass any cosine threshold (n − 1 of n terms shared gives
 * (n − 1) / n, over 0.98 from 50 terms on). It is also what makes a lookup
 * read a few rows instead of scanning.
 */

export const LEXICAL_EMBEDDER_ID = 'lexical/1';

/** Particles, pronouns, measure words and verbs of place that a reordering adds or drops without changing the request. */
const CHINESE_STOP_CHARACTERS = new Set([...'的了着过是在有和与及或也都就又还而但把被给让从向对于为以之其这那哪些个只位种一上下里中放呢吗吧啊呀么我你他她它们']);
/** Negations: stop words that change what is asked for ("a cup with no coffee" is not "a cup with coffee"). */
const NEGATIONS = new Set(['no', 'not', "n't", 'never', 'nor', 'without', 'none', 'nothing', 'nobody', 'neither']);
/** Quantities said in words: stop words too, but three apples are not four, nor the first the last. */
const QUANTITIES = new Set(['all', 'many', 'few', 'several', 'some', 'most', 'more', 'less', 'least', 'first', 'second', 'third', 'last', 'once', 'twice']);
const HAN = /\p{Script=Han}/u;
const LATIN_OR_DIGIT_RUN = /[\p{L}\p{N}]+/gu;

export function lexicalTerms(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (term: string) => counts.set(term, (counts.get(term) ?? 0) + 1);
  if (detectLanguage(text) === 'zh') {
    for (const ch of text) if (HAN.test(ch) && !CHINESE_STOP_CHARACTERS.has(ch)) add(ch);
    // What is not Han (brand names, numbers) is read as English is.
    const rest = text.replace(/\p{Script=Han}+/gu, ' ');
    for (const term of englishTerms(rest)) add(term);
    return counts;
  }
  for (const term of englishTerms(text)) add(term);
  return counts;
}

function englishTerms(text: string): string[] {
  if (!LATIN_OR_DIGIT_RUN.test(text)) return [];
  LATIN_OR_DIGIT_RUN.lastIndex = 0;
  // Lower case first: wink reads a capitalised word at the start of a sentence as a name and leaves it unlemmatised.
  return readEnglish(text.toLowerCase()).tokens
    .filter((t) => (t.type === 'word' || t.type === 'number') && (!t.stopWord || kept(t)))
    .map((t) => (t.type === 'number' || t.pos === 'NUM' ? t.value : t.stopWord ? negation(t.value) : t.lemma.toLowerCase()))
    .filter((t) => t !== '');
}

function kept(t: { value: string; pos: string }): boolean {
  return t.pos === 'NUM' || NEGATIONS.has(t.value) || QUANTITIES.has(t.value);
}

/** Every way of saying no is one term, so "isn't" and "is not" read the same. */
function negation(word: string): string {
  const w = word.toLowerCase();
  return w === "n't" || w === 'not' || w === 'no' || w === 'none' ? 'not' : w;
}

export function lexicalVector(text: string): Embedding {
  return termsEmbedding(lexicalTerms(text));
}

/** Counted terms as the normalised sparse vector and its bucket (the hash of the set of terms). */
export function termsEmbedding(counts: ReadonlyMap<string, number>): Embedding {
  const norm = Math.sqrt([...counts.values()].reduce((s, c) => s + c * c, 0));
  const terms: Record<string, number> = {};
  for (const [term, count] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) terms[term] = count / norm;
  const bucket = createHash('sha256').update(Object.keys(terms).join('\u0000')).digest('hex').slice(0, 32);
  return { bucket, vector: { kind: 'sparse', terms } };
}

export const lexicalEmbedder: RequestEmbedder = {
  id: LEXICAL_EMBEDDER_ID,
  embed: async (text) => lexicalVector(text),
};
