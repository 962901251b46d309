import { seededRandom } from '../../core/random.ts';
import type { SpeechRate } from '../../pipeline/planning/scene-plan.ts';
import { splitSentences } from '../../pipeline/text/sentences.ts';
import type { Layout, OutputSnapshot } from '../types.ts';
import { backgroundOf, benefitPhrases, frameOf, HEADLINE_MAX_WORDS, keyPhrase, priceText, productName, promptClaim, round3, sceneSeed, type Storyboard, type VideoScene, wholeFrames } from './common.ts';
import { spokenSec } from './script.ts';

/**
 * The UGC-style storyboard: the prompt read as what a customer would say about the product to a phone camera,
 * first person, in the shape of an honest review: a hook, the problem it solved, how I use it, my favourite
 * detail, and whether I would recommend it. One handheld shot per beat, close framings first, the captions in
 * the middle third of the frame as such videos set them. Which of a beat's phrasings is used is seeded by the
 * product, so one product always says the same and two products do not sound alike.
 */

export const UGC_BEATS = ['hook', 'problem', 'how', 'detail', 'recommend'] as const;
export type UgcBeat = (typeof UGC_BEATS)[number];

/** Handheld framings: the product held up close, then in use, then the detail, then the product on its own. */
const BEAT_LAYOUT: Readonly<Record<UgcBeat, Layout>> = { hook: 'close-up', problem: 'hero', how: 'split', detail: 'callout', recommend: 'hero' };

interface Words {
  name: string;
  /** What the prompt says it does, lower-cased: "keeps drinks cold all day". */
  benefit: string;
  /** A second detail: the description's or the seeds'. */
  detail: string;
  category: string;
  price: string | undefined;
  audience: string;
}

const LINES: Readonly<Record<UgcBeat, ReadonlyArray<(w: Words) => string>>> = {
  hook: [
    (w) => `Okay, I have to talk about ${w.name}.`,
    (w) => `So I've been using ${w.name} for a few weeks now, and I need to tell you about it.`,
    (w) => `I did not expect to love ${w.name} this much.`,
  ],
  problem: [
    (w) => `I was honestly tired of ${w.category === 'product' ? 'things' : `${plural(w.category)}`} that just don't hold up.`,
    (w) => `Before this, every ${w.category} I tried let me down sooner or later.`,
  ],
  how: [
    (w) => `I've been using ${w.name} every day, and it really ${w.benefit}.`,
    (w) => `Now I take it with me everywhere, and it ${w.benefit}.`,
  ],
  detail: [
    (w) => `My favourite detail? The ${w.detail}.`,
    (w) => `The thing I love most is the ${w.detail}.`,
  ],
  recommend: [
    (w) => `Honestly, for ${w.audience}, just get it.${w.price ? ` It's ${w.price}, and worth it.` : ''}`,
    (w) => `Would I recommend it to ${w.audience}? Yes, this is the one.`,
  ],
};

/** What each shot's picture says: short, in the reviewer's voice. */
const HEADLINES: Readonly<Record<UgcBeat, (w: Words) => string>> = {
  hook: (w) => w.name,
  problem: () => 'Before I found it',
  how: (w) => headline(w.benefit),
  detail: (w) => headline(`The ${w.detail}`),
  recommend: (w) => (w.price ? `Worth every cent of ${w.price}` : 'Worth it'),
};

function headline(phrase: string): string {
  return keyPhrase(phrase, HEADLINE_MAX_WORDS);
}

export function ugcStoryboard(snapshot: OutputSnapshot, options: { rate: SpeechRate }): Storyboard & { script: string } {
  frameOf(snapshot);
  const words = wordsOf(snapshot);
  const random = seededRandom(sceneSeed(snapshot, -1));
  const scenes = UGC_BEATS.map((beat, i): VideoScene => {
    const choices = LINES[beat];
    const narration = choices[Math.floor(random() * choices.length)]!(words);
    return {
      scene: i + 1,
      beat,
      layout: BEAT_LAYOUT[beat],
      headline: HEADLINES[beat](words),
      background: backgroundOf(snapshot, i),
      narration,
      caption: narration,
      duration_s: wholeFrames(spokenSec(splitSentences(narration, 'en'), options.rate)),
      seed: sceneSeed(snapshot, i),
      band: 'middle',
      motion: 'handheld',
    };
  });
  return { scenes, duration_s: round3(scenes.reduce((a, s) => a + s.duration_s, 0)), script: scenes.map((s) => s.narration).join('\n\n') };
}

/** A phrase that starts with what the product does ("keeps…"), not with a part of it. */
const DOES = /^(?:keeps?|makes?|helps?|lets?|gives?|holds?|stays?|turns?|saves?|works?|fits?|brings?)\b/iu;

/** The phrases the lines are filled with, from the prompt and the product's metadata. */
function wordsOf(snapshot: OutputSnapshot): Words {
  const m = snapshot.identity.metadata;
  const benefits = benefitPhrases(snapshot).map((b) => b.charAt(0).toLowerCase() + b.slice(1));
  const claim = promptClaim(snapshot.prompt) ?? benefits.find((b) => DOES.test(b));
  const category = (m.category || 'product').toLowerCase();
  const audience = /\bfor\s+([^,.;!?]+)/iu.exec(snapshot.prompt)?.[1]?.trim() ?? `anyone who wants a good ${category}`;
  return {
    name: productName(snapshot),
    benefit: claim ? thirdPerson(claim) : 'does exactly what it promises',
    detail: benefits.find((b) => !DOES.test(b)) ?? `way it's made`,
    category,
    price: priceText(snapshot),
    audience,
  };
}

/** "keep drinks cold" → "keeps drinks cold": the prompt's verb as "it …" says it. */
function thirdPerson(phrase: string): string {
  const [verb = '', ...rest] = phrase.split(/\s+/u);
  const said = /s$/iu.test(verb) ? verb : `${verb}s`;
  return [said.toLowerCase(), ...rest].join(' ');
}

function plural(noun: string): string {
  return /s$/iu.test(noun) ? noun : `${noun}s`;
}
