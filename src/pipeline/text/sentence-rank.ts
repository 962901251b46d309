/**
 * How central each sentence of an article is, for condensing it: TextRank
 * (Mihalcea & Tarau, 2004). Sentences are the nodes of a graph whose edges
 * weigh how many content terms two sentences share, normalised by their
 * lengths; a sentence is central when central sentences resemble it. The
 * random walk's restart favours sentences that share terms with the title,
 * so what the article says it is about weighs more. A sentence that opens
 * by pointing back at the one before ("It", "They", "这") weighs less, as
 * it reads poorly without it.
 *
 * Terms: English words are wink-nlp lemmas of the words that are not stop
 * words; Chinese has no spaces, so its terms are the Han character bigrams
 * that do not start or end on a function character (the same idea as the
 * key phrases in `understand.ts`), plus any Latin words in it.
 * Pure and deterministic.
 */

import { type ArticleLanguage, isHan } from './language.ts';
import { englishNlp } from './nlp.ts';
import type { ItsFunction } from 'wink-nlp';

/** PageRank's damping factor: the share of a step that follows an edge rather than restarting. */
export const DAMPING = 0.85;
/** Enough iterations for the scores to settle to well under a millionth on articles of a few hundred sentences. */
const MAX_ITERATIONS = 100;
const CONVERGED = 1e-9;
/** Weight of a restart on any sentence; a sentence that shares terms with the title adds its overlap on top. */
const BASE_RESTART = 1;
const TITLE_RESTART = 1;

/**
 * A sentence that opens by pointing back ("It", "They", "这") needs the one
 * before it, which condensing may drop: its score is multiplied by this.
 */
export const BACK_REFERENCE_PENALTY = 0.5;
const EN_BACK_REFERENCE = /^(?:it|its|this|that|these|those|they|them|their|he|she|his|her|such|there|but|and|so|then|either|afterwards|also)\b/i;
const ZH_BACK_REFERENCE = /^(?:这|那|它|他|她|但是|但|所以|因此|而且|同时|此外)/u;

/** Whether a sentence opens by pointing back at what came before. */
export function pointsBack(sentence: string, language: ArticleLanguage): boolean {
  const text = sentence.trim().replace(/^[“"'‘「（(]+/u, '');
  return (language === 'zh' ? ZH_BACK_REFERENCE : EN_BACK_REFERENCE).test(text);
}

/** Characters that make a poor edge for a Chinese bigram (的, 了, 是 …). */
const ZH_FUNCTION_CHARS = new Set([...'的了着是在和与及也就都而或被把将对从向于之其这那很更最又还并等吗呢吧啊个们我你他她它有不']);

/** The content terms of a text, lower-cased, with their counts' shape dropped: a set. */
export function sentenceTerms(text: string, language: ArticleLanguage): Set<string> {
  const terms = new Set<string>();
  for (const word of text.match(/[A-Za-z][A-Za-z0-9'’-]*/g) ?? []) if (language === 'zh') terms.add(word.toLowerCase());
  if (language === 'zh' || /\p{Script=Han}/u.test(text)) {
    for (const run of text.match(/\p{Script=Han}+/gu) ?? []) {
      const chars = [...run].filter(isHan);
      for (let i = 0; i + 1 < chars.length; i++) {
        if (ZH_FUNCTION_CHARS.has(chars[i]!) || ZH_FUNCTION_CHARS.has(chars[i + 1]!)) continue;
        terms.add(chars[i]! + chars[i + 1]!);
      }
    }
    if (language === 'zh') return terms;
  }
  const nlp = englishNlp();
  const its = nlp.its;
  const tokens = nlp.readDoc(text).tokens();
  const lemmas = tokens.out(its.lemma as ItsFunction<string>) as string[];
  const types = tokens.out(its.type) as string[];
  const stop = tokens.out(its.stopWordFlag) as boolean[];
  lemmas.forEach((lemma, i) => {
    if (types[i] === 'word' && !stop[i] && /\p{L}{2}/u.test(lemma)) terms.add(lemma.toLowerCase());
  });
  return terms;
}

/** TextRank's similarity: shared terms over the sum of the logs of the lengths (0 when either is too short to say). */
export function similarity(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size < 2 || b.size < 2) return 0;
  let shared = 0;
  for (const t of a) if (b.has(t)) shared += 1;
  return shared / (Math.log(a.size) + Math.log(b.size));
}

/**
 * One score per sentence, in the sentences' order; they sum to 1 (when any is above 0). Ties
 * (e.g. sentences that share nothing with any other) keep the same score,
 * so a caller breaks them by position.
 */
export function rankSentences(sentences: readonly string[], language: ArticleLanguage, title = ''): number[] {
  const n = sentences.length;
  if (n === 0) return [];
  const terms = sentences.map((s) => sentenceTerms(s, language));
  const titleTerms = sentenceTerms(title, language);

  const weights: number[][] = terms.map((a, i) => terms.map((b, j) => (i === j ? 0 : similarity(a, b))));
  const outSum = weights.map((row) => row.reduce((s, w) => s + w, 0));

  const restart = terms.map((t) => {
    let shared = 0;
    for (const term of t) if (titleTerms.has(term)) shared += 1;
    return BASE_RESTART + (titleTerms.size > 0 ? (TITLE_RESTART * shared) / titleTerms.size : 0);
  });
  const restartSum = restart.reduce((s, r) => s + r, 0);
  const teleport = restart.map((r) => r / restartSum);

  let scores = new Array<number>(n).fill(1 / n);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    // A sentence with no edges hands its score to the restart, so the scores keep summing to 1.
    let dangling = 0;
    for (let j = 0; j < n; j++) if (outSum[j] === 0) dangling += scores[j]!;
    const next = teleport.map((t) => (1 - DAMPING) * t + DAMPING * dangling * t);
    for (let j = 0; j < n; j++) {
      if (outSum[j] === 0) continue;
      const share = (DAMPING * scores[j]!) / outSum[j]!;
      const row = weights[j]!;
      for (let i = 0; i < n; i++) if (row[i]! > 0) next[i]! += share * row[i]!;
    }
    const change = next.reduce((s, v, i) => s + Math.abs(v - scores[i]!), 0);
    scores = next;
    if (change < CONVERGED) break;
  }
  const weighted = scores.map((v, i) => (pointsBack(sentences[i]!, language) ? v * BACK_REFERENCE_PENALTY : v));
  const sum = weighted.reduce((a, b) => a + b, 0);
  return sum > 0 ? weighted.map((v) => v / sum) : weighted;
}
