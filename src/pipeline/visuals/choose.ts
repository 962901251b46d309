/**
 * Which visual each scene shows, from its own words. In scene order, each
 * scene takes, best first:
 *
 *   1. a found photo or clip (library, stock) whose tags or search term match
 *      one of the scene's terms, scored by the term's weight and how closely
 *      it matches;
 *   2. else an illustration whose keyword is a word of the scene's narration
 *      (English by folded word, Chinese as a substring), by the word's weight;
 *   3. else its key phrase as type alone, never an unrelated picture.
 *
 * Nothing found and no illustration is used twice in a video: a scene whose
 * matches are all taken falls to the next kind. Pure: the illustration set is
 * passed in as its keyword lookup.
 */
import type { IllustrationKeywords } from '../../adapters/illustrations/fluent-emoji.ts';
import type { MaterialCandidate } from '../../providers/types.ts';
import type { ArticleLanguage } from '../text/language.ts';
import { foldEnglish } from '../text/fold.ts';
import type { SceneTerm } from './scene-terms.ts';

/** How closely a label matches a term: the same word(s), the term's head noun, a Chinese label inside the narration. */
export const LABEL_MATCH = { exact: 1, head: 0.6, inside: 0.8 } as const;
/** A Chinese keyword found in the narration weighs this plus this much per character beyond two; one character weighs `single`. */
const CHINESE_KEYWORD_WEIGHT = { base: 1, perChar: 0.3, single: 0.6 } as const;
/** Words of the narration shown when a scene has no term at all. */
const FALLBACK_PHRASE_WORDS = 6;
const FALLBACK_PHRASE_CHARS = 16;

export interface ChoiceScene {
  text: string;
  language: ArticleLanguage;
  terms: readonly SceneTerm[];
}

export type VisualChoice =
  | { kind: 'found'; candidate: MaterialCandidate; term: string; phrase: string }
  | { kind: 'illustration'; icon: string; term: string; phrase: string }
  | { kind: 'typography'; term: null; phrase: string };

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** How well a found item matches a scene, and by which term; score 0 when it does not. */
export function matchFound(candidate: MaterialCandidate, scene: ChoiceScene): { score: number; term: string } {
  const labels = candidate.tags ?? (candidate.term ? [candidate.term] : []);
  let best = { score: 0, term: '' };
  const consider = (score: number, term: string) => {
    if (score > best.score) best = { score, term };
  };
  const folded = labels.map((l) => ({ label: l, key: CJK.test(l) ? l.trim() : foldEnglish(l) }));
  for (const t of scene.terms) {
    const head = t.key.split(' ').at(-1)!;
    for (const { key } of folded) {
      if (!key) continue;
      if (key === t.key) consider(t.weight * LABEL_MATCH.exact, t.term);
      else if (!CJK.test(key) && (key === head || key.split(' ').at(-1) === t.key)) consider(t.weight * LABEL_MATCH.head, t.term);
    }
  }
  // Chinese has no spaces: a tag of two characters or more inside the narration is a match.
  for (const { label, key } of folded) {
    if (CJK.test(key) && [...key].length >= 2 && scene.text.includes(key)) consider(weightOfChinese(key) * LABEL_MATCH.inside, label);
  }
  return best;
}

function weightOfChinese(keyword: string): number {
  if ([...keyword].length < 2) return CHINESE_KEYWORD_WEIGHT.single;
  return CHINESE_KEYWORD_WEIGHT.base + CHINESE_KEYWORD_WEIGHT.perChar * Math.max(0, [...keyword].length - 2);
}

/** The scene's words that name an illustration, best first, each with the icons it names. */
export function illustrationOptions(scene: ChoiceScene, set: IllustrationKeywords): { term: string; weight: number; icons: readonly string[] }[] {
  const options: { term: string; weight: number; icons: readonly string[] }[] = [];
  if (scene.language === 'zh') {
    for (const t of scene.terms) {
      const icons = set.lookup('zh', t.key);
      if (icons.length) options.push({ term: t.term, weight: t.weight, icons });
    }
    for (const keyword of set.chineseKeywords()) {
      if (scene.text.includes(keyword)) options.push({ term: keyword, weight: weightOfChinese(keyword), icons: set.lookup('zh', keyword) });
    }
  } else {
    for (const t of scene.terms) {
      const icons = set.lookup('en', t.key);
      if (icons.length) options.push({ term: t.term, weight: t.weight, icons });
      else if (t.key.includes(' ')) {
        // "mature tree" names no emoji, "tree" does: the head noun, a little weaker.
        const head = t.key.split(' ').at(-1)!;
        const headIcons = set.lookup('en', head);
        if (headIcons.length) options.push({ term: t.term.split(' ').at(-1)!, weight: t.weight * LABEL_MATCH.head, icons: headIcons });
      }
    }
  }
  // Stable: equal weights keep the narration's order.
  return options.map((o, i) => ({ o, i })).sort((a, b) => b.o.weight - a.o.weight || a.i - b.i).map(({ o }) => o);
}

/** The scene's key phrase, set as type: its best term, else its first words. */
export function keyPhrase(scene: ChoiceScene): string {
  const best = [...scene.terms].sort((a, b) => b.weight - a.weight || Number(b.key.includes(' ')) - Number(a.key.includes(' ')))[0];
  if (best) return capitalize(best.term);
  const text = scene.text.trim();
  if (scene.language === 'zh') {
    const clause = [...(text.split(/[，。！？；、,.!?;]/u)[0] ?? text)];
    return clause.length > FALLBACK_PHRASE_CHARS ? `${clause.slice(0, FALLBACK_PHRASE_CHARS).join('')}…` : clause.join('');
  }
  return capitalize((text.split(/[,.;:!?]/u)[0] ?? text).split(/\s+/).slice(0, FALLBACK_PHRASE_WORDS).join(' '));
}

/** The scene's best term that says `word` (so the type and the picture agree), or the word itself. */
function phraseWith(scene: ChoiceScene, word: string): string {
  if (scene.language === 'zh') return scene.terms.find((t) => t.key.includes(word))?.term ?? word;
  const key = foldEnglish(word);
  const holding = scene.terms.filter((t) => ` ${t.key} `.includes(` ${key} `)).sort((a, b) => b.weight - a.weight)[0];
  return capitalize(holding?.term ?? word);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function chooseVisuals(scenes: readonly ChoiceScene[], found: readonly MaterialCandidate[], set: IllustrationKeywords): VisualChoice[] {
  const usedFound = new Set<string>();
  const usedIcons = new Set<string>();
  return scenes.map((scene): VisualChoice => {
    const phrase = keyPhrase(scene);
    let best: { candidate: MaterialCandidate; score: number; term: string } | undefined;
    for (const candidate of found) {
      if (usedFound.has(candidate.path)) continue;
      const m = matchFound(candidate, scene);
      if (m.score > 0 && (!best || m.score > best.score)) best = { candidate, ...m };
    }
    if (best) {
      usedFound.add(best.candidate.path);
      return { kind: 'found', candidate: best.candidate, term: best.term, phrase };
    }
    for (const option of illustrationOptions(scene, set)) {
      const icon = option.icons.find((name) => !usedIcons.has(name));
      if (!icon) continue;
      usedIcons.add(icon);
      return { kind: 'illustration', icon, term: option.term, phrase: phraseWith(scene, option.term) };
    }
    return { kind: 'typography', term: null, phrase };
  });
}
