/**
 * A scene's own search terms, from its own sentences: what a picture of the
 * scene should show. English: named entities and noun phrases first, then
 * nouns, then verbs (a "planting" scene may show a seedling), stop words out,
 * each by its lemma so plurals fold; ranked by weight, then by how often the
 * scene says it, then by first mention. Chinese: the article's key phrases
 * that the scene contains, in their order. Pure and deterministic.
 */
import type { ArticleLanguage } from '../text/language.ts';
import { foldEnglish } from '../text/fold.ts';
import { readEnglish } from '../text/nlp.ts';

export interface SceneTerm {
  /** As the narration says it (the lemma for single words). */
  term: string;
  /** Folded for matching (`foldEnglish`); Chinese as written. */
  key: string;
  weight: number;
}

/** Weights by what the word is. */
export const TERM_WEIGHT = { keyPhrase: 1, entity: 3, phrase: 2.5, noun: 2, verb: 0.8 } as const;
/** Most terms kept per scene. */
export const MAX_SCENE_TERMS = 12;
/** Nouns too broad to picture well: they count half. */
const BROAD_NOUNS = new Set(['world', 'thing', 'way', 'part', 'time', 'step', 'result', 'lot', 'kind', 'number', 'place', 'day', 'year', 'people', 'person', 'idea', 'fact']);
const BROAD_SHARE = 0.5;
/** Verbs too common to picture. */
const WEAK_VERBS = new Set(['be', 'have', 'do', 'make', 'get', 'go', 'say', 'see', 'use', 'take', 'come', 'know', 'become', 'need', 'show', 'give', 'find', 'want', 'let', 'seem', 'keep', 'learn', 'share', 'work']);

export function sceneTerms(text: string, language: ArticleLanguage, keyPhrases: readonly string[] = []): SceneTerm[] {
  return language === 'zh' ? chineseTerms(text, keyPhrases) : englishTerms(text, keyPhrases);
}

function chineseTerms(text: string, keyPhrases: readonly string[]): SceneTerm[] {
  const found = keyPhrases.filter((k) => k.trim() && text.includes(k.trim()));
  return [...new Set(found)].slice(0, MAX_SCENE_TERMS).map((term, i) => ({ term, key: term, weight: TERM_WEIGHT.phrase + TERM_WEIGHT.keyPhrase - i * 0.01 }));
}

function englishTerms(text: string, keyPhrases: readonly string[]): SceneTerm[] {
  const doc = readEnglish(text);
  const keyed = new Set(keyPhrases.map(foldEnglish));
  const terms = new Map<string, { term: string; weight: number; count: number; first: number }>();
  let order = 0;
  const add = (term: string, weight: number) => {
    const key = foldEnglish(term);
    if (!key) return;
    const w = weight + (keyed.has(key) ? TERM_WEIGHT.keyPhrase : 0);
    const seen = terms.get(key);
    if (seen) {
      seen.count += 1;
      seen.weight = Math.max(seen.weight, w);
    } else terms.set(key, { term, weight: w, count: 1, first: order++ });
  };
  const usable = (i: number) => {
    const t = doc.tokens[i]!;
    return t.type === 'word' && !t.stopWord && /\p{L}{2}/u.test(t.value);
  };
  for (const [first, last] of doc.chunks) {
    let [a, b] = [first, last];
    while (a <= b && !usable(a)) a++;
    while (b >= a && !usable(b)) b--;
    if (b > a) add(doc.tokens.slice(a, b + 1).map((t) => t.value).join(' '), TERM_WEIGHT.phrase);
  }
  for (const [i, t] of doc.tokens.entries()) {
    if (!usable(i)) continue;
    // A capital inside a sentence is a name; at its start it says nothing.
    if (t.pos === 'PROPN' && (!t.sentenceStart || /^\p{Lu}/u.test(t.value))) add(t.value, TERM_WEIGHT.entity);
    // The word as said, folded (wink's lemma of "data" is "datum", which no tag says).
    else if (t.pos === 'NOUN') add(t.value.toLowerCase(), BROAD_NOUNS.has(foldEnglish(t.value)) ? TERM_WEIGHT.noun * BROAD_SHARE : TERM_WEIGHT.noun);
    else if (t.pos === 'VERB' && !WEAK_VERBS.has(t.lemma.toLowerCase())) add(t.lemma, TERM_WEIGHT.verb);
  }
  return [...terms.entries()]
    .sort(([, a], [, b]) => b.weight - a.weight || b.count - a.count || a.first - b.first)
    .slice(0, MAX_SCENE_TERMS)
    .map(([key, t]) => ({ term: t.term, key, weight: t.weight }));
}
