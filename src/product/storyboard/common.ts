import { SlotflowError } from '../../core/errors.ts';
import { seedOf } from '../../core/random.ts';
import { FPS, frameFor } from '../../pipeline/formats.ts';
import { LAYOUTS, type Layout, type OutputSnapshot, type ProductScene } from '../types.ts';

/**
 * What the three video modes' storyboards share: the scene they hand to each
 * scene child (a `ProductScene` with how its captions sit and how its camera
 * moves), headline phrases drawn from the snapshot, and frame-exact lengths.
 * Everything here is pure: the same snapshot gives the same storyboard.
 */

/** Where a scene's captions sit: the bottom band (the caption layouts' own), or the middle third of the frame (UGC). */
export type CaptionBand = 'bottom' | 'middle';
/** How the camera moves over a scene's image: a slow push-in, or a small handheld sway (UGC). */
export type SceneMotion = 'push' | 'handheld';

export interface VideoScene extends ProductScene {
  band: CaptionBand;
  motion: SceneMotion;
  /** The part of the story the scene tells (`hook`, `problem`…), for the UGC shape and the page. */
  beat?: string;
}

export interface Storyboard {
  scenes: VideoScene[];
  /** The storyboard's length: the scenes' durations added up. */
  duration_s: number;
}

/** A snapshot the mode cannot make a video of (a length out of range, a script with nothing to say). */
export class StoryboardError extends SlotflowError {
  override name = 'StoryboardError';
  constructor(
    readonly field: string,
    code: 'invalid-option' | 'script-empty',
    message: string,
  ) {
    super(message, { code });
  }
}

/** The output's frame; checks the format before any work starts. */
export function frameOf(snapshot: OutputSnapshot): { width: number; height: number } {
  return frameFor(snapshot.options as Record<string, unknown>);
}

/** Seconds rounded to whole frames, as segments are cut. */
export function wholeFrames(sec: number): number {
  return Math.round(sec * FPS) / FPS;
}

/**
 * What an output's seeds start from: the product as pictured (its neutral image's hash), not its id, so the same
 * photos and prompt give the same storyboard, pictures and music for any product record made from them.
 */
export function productSeedKey(snapshot: Pick<OutputSnapshot, 'identity'>): string {
  return snapshot.identity.neutral.hash;
}

/** The deterministic seed of scene `index` of an output. */
export function sceneSeed(snapshot: OutputSnapshot, index: number): number {
  return seedOf(`${productSeedKey(snapshot)}|${snapshot.mode}|${snapshot.prompt}|${index}`);
}

/** Layouts in turn from a start picked by the product, so consecutive scenes never share one. */
export function layoutCycle(snapshot: OutputSnapshot, count: number): Layout[] {
  const start = seedOf(`${productSeedKey(snapshot)}|${snapshot.mode}`) % LAYOUTS.length;
  return Array.from({ length: count }, (_, i) => LAYOUTS[(start + i) % LAYOUTS.length]!);
}

/** The backdrop of scene `index`: the identity's storyboard seeds in turn, else a plain studio backdrop. */
export function backgroundOf(snapshot: OutputSnapshot, index: number): string {
  const seeds = snapshot.identity.seeds;
  return seeds.length > 0 ? seeds[index % seeds.length]!.background : 'soft studio backdrop';
}

/** The product's name as an output says it: the page's title when it is short, else the name given. */
export function productName(snapshot: OutputSnapshot): string {
  const m = snapshot.identity.metadata;
  return (m.name || m.title || 'this').trim();
}

/** `$24.00`, `24.00 EUR`: the page's price as a headline says it. */
export function priceText(snapshot: OutputSnapshot): string | undefined {
  const price = snapshot.identity.metadata.price;
  if (!price?.amount) return undefined;
  const symbol: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥' };
  const currency = price.currency?.toUpperCase();
  if (currency && symbol[currency]) return `${symbol[currency]}${price.amount}`;
  return currency ? `${price.amount} ${currency}` : price.amount;
}

const STOPWORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'but', 'of', 'for', 'to', 'in', 'on', 'at', 'with', 'by', 'from', 'is', 'are', 'was', 'be', 'it', 'its', 'this',
  'that', 'these', 'those', 'i', 'you', 'we', 'they', 'my', 'your', 'our', 'so', 'just', 'really', 'very', 'make', 'create', 'video', 'ad', 'please',
]);
/** A headline is at most this many words. */
export const HEADLINE_MAX_WORDS = 6;

/**
 * The key phrase of a sentence: its first clause without leading filler words, at most
 * `HEADLINE_MAX_WORDS` words, with a capital letter and no closing punctuation.
 */
export function keyPhrase(text: string, maxWords = HEADLINE_MAX_WORDS): string {
  const clause = text.split(/[,;:—–!?.()]/u).map((c) => c.trim()).find((c) => /\p{L}/u.test(c)) ?? text.trim();
  const words = clause.split(/\s+/u).filter(Boolean);
  while (words.length > 1 && STOPWORDS.has(words[0]!.toLowerCase())) words.shift();
  const kept = words.slice(0, maxWords);
  // A phrase cut short ends on a word that says something, not on "with" or "the".
  if (kept.length < words.length) while (kept.length > 1 && STOPWORDS.has(kept.at(-1)!.toLowerCase())) kept.pop();
  const phrase = kept.join(' ').replace(/[^\p{L}\p{N}%$€£¥'’]+$/u, '');
  return phrase.charAt(0).toUpperCase() + phrase.slice(1);
}

/** What a prompt says the product does: "keeps drinks cold all day" out of "someone showing how it keeps drinks cold all day". */
const PROMPT_CLAIM = /\b(?:keeps?|makes?|helps?|lets?|gives?|holds?|stays?|turns?|saves?|works?|fits?|brings?)\b[^,.;!?]*/iu;

export function promptClaim(prompt: string): string | undefined {
  const claim = PROMPT_CLAIM.exec(prompt)?.[0]?.replace(/\s+(?:for|to|with)\s+(?:people|someone|anyone|hikers|you)\b.*$/iu, '').trim();
  return claim && claim.split(/\s+/u).length >= 2 ? claim : undefined;
}

/**
 * Benefit phrases, most telling first: what the prompt says it does, then the description's clauses (a bare noun
 * phrase naming the product's kind, "a steel bottle", says nothing and is left out), then the seeds' headlines.
 * Only phrases short enough to be a headline (`HEADLINE_MAX_WORDS`), never cut short.
 */
export function benefitPhrases(snapshot: OutputSnapshot): string[] {
  const m = snapshot.identity.metadata;
  const name = productName(snapshot).toLowerCase();
  const kind = (m.category ?? '').toLowerCase().split(/\s+/u).at(-1) ?? '';
  const claim = promptClaim(snapshot.prompt);
  const clauses = (m.description ?? '')
    .split(/[,;.!?—–]|\band\b|\bwith\b/iu)
    .map((c) => keyPhrase(c, Infinity))
    .filter((c) => c.split(/\s+/u).length >= 2 && c.toLowerCase() !== name && !(kind && c.split(/\s+/u).length <= 3 && c.toLowerCase().endsWith(kind)));
  const seeds = snapshot.identity.seeds.map((s) => s.headline.trim()).filter(Boolean);
  return unique([...(claim ? [keyPhrase(claim, Infinity)] : []), ...clauses, ...seeds]).filter((p) => p.split(/\s+/u).length <= HEADLINE_MAX_WORDS);
}

export function unique(list: readonly string[]): string[] {
  const seen = new Set<string>();
  return list.filter((s) => {
    const key = s.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
