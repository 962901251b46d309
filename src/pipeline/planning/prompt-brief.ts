import { type ArticleLanguage, detectLanguage } from '../text/language.ts';

/**
 * What a prompt asks for, read without a model: the kind of video ("ad",
 * "explainer"…), its subject ("a coffee brand"), the thing the subject is
 * about ("coffee"), and a length when the prompt says one ("30-sec",
 * "1 minute", "30秒"). Pure; the planners start from this.
 */

export const VideoKind = {
  ad: 'ad',
  explainer: 'explainer',
  announcement: 'announcement',
  tutorial: 'tutorial',
} as const;
export type VideoKind = (typeof VideoKind)[keyof typeof VideoKind];

export interface PromptBrief {
  kind: VideoKind;
  /** The subject as the prompt names it, article dropped: "coffee brand". */
  subject: string;
  /** What the subject is about, without a trailing business word: "coffee" for "coffee brand". */
  thing: string;
  /** Seconds the prompt asks for, if it says. */
  durationSec: number | undefined;
  language: ArticleLanguage;
}

/** Words that name a kind, first match wins (so "an ad explaining…" is an ad). */
const KIND_WORDS: ReadonlyArray<[VideoKind, RegExp]> = [
  [VideoKind.ad, /\b(?:ad|ads|advert|advertisement|commercial|promo|promotional|spot|teaser)\b|广告|宣传/iu],
  [VideoKind.tutorial, /\b(?:tutorial|how[- ]to|guide|walkthrough|step[- ]by[- ]step)\b|教程|教学/iu],
  [VideoKind.announcement, /\b(?:announcement|announce|launch|launching|news|update)\b|发布|公告/iu],
  [VideoKind.explainer, /\b(?:explainer|explain|explaining|overview|introduction|intro)\b|介绍|讲解/iu],
];

/** Business words that name who sells the thing, not the thing: "a coffee brand" is about coffee. */
const BUSINESS_WORDS = /\s+(?:brand|company|business|shop|store|startup|start-up|label|chain|cafe|café|bar|restaurant|bakery|studio|agency|app|service|product|line|range|maker|makers|roastery|roaster|co\.?)$/iu;

/** Lengths: "30-sec", "30 seconds", "45s", "1 minute", "1.5 min", "90-second". */
const LATIN_DURATION = /(\d+(?:\.\d+)?)\s*-?\s*(seconds?|secs?|s|minutes?|mins?|m)\b/iu;
const WORD_DURATION = /\b(?:a|one|half an?|half a)\s*-?\s*(minute|min)\b/iu;
const HAN_DURATION = /(\d+(?:\.\d+)?)\s*(秒|分钟|分)/u;
const SECONDS_PER_MINUTE = 60;

/** What introduces a subject: "an ad for X", "a video about X", "explain X". */
const SUBJECT_LEAD = /\b(?:for|about|on|of|introducing|promoting|featuring|explaining|explain|showing|presenting|selling)\s+(.+)$/iu;
/** Where a subject ends: a clause or a second request after it. */
const SUBJECT_END = /\s*(?:[,.;:!?—–(]|\s(?:that|which|who|with|targeting|aimed|in|to|using|and then|so)\s).*$/iu;
const LEADING_ARTICLE = /^(?:a|an|the|our|my|your|this|new)\s+/iu;
/** Words that ask for a video rather than name what it is about. */
const REQUEST_WORDS = /\b(?:please|create|make|write|generate|produce|give me|i want|i need|we need|can you|video|clip|short|reel|script|ad|advert|advertisement|commercial|promo|explainer|tutorial|announcement|\d+(?:\.\d+)?\s*-?\s*(?:seconds?|secs?|s|minutes?|mins?|m))\b/giu;
const HAN_SUBJECT = /(?:为|关于|介绍|宣传)([^，。！？,.!?]{1,20}?)(?:的|制作|做|写|，|。|$)/u;
export const FALLBACK_SUBJECT = 'this';

export function readPrompt(prompt: string): PromptBrief {
  const text = prompt.replace(/\s+/g, ' ').trim();
  const language = detectLanguage(text);
  const kind = KIND_WORDS.find(([, re]) => re.test(text))?.[0] ?? VideoKind.explainer;
  const subject = language === 'zh' ? hanSubject(text) : latinSubject(text);
  return { kind, subject, thing: thingOf(subject), durationSec: durationOf(text), language };
}

export function durationOf(text: string): number | undefined {
  const han = HAN_DURATION.exec(text);
  if (han) return Number(han[1]) * (han[2] === '秒' ? 1 : SECONDS_PER_MINUTE);
  const latin = LATIN_DURATION.exec(text);
  if (latin) return Number(latin[1]) * (/^m/i.test(latin[2]!) ? SECONDS_PER_MINUTE : 1);
  const word = WORD_DURATION.exec(text);
  if (word) return /half/i.test(word[0]) ? SECONDS_PER_MINUTE / 2 : SECONDS_PER_MINUTE;
  return undefined;
}

function latinSubject(text: string): string {
  const led = SUBJECT_LEAD.exec(text)?.[1];
  const raw = led ?? text.replace(REQUEST_WORDS, ' ');
  const subject = raw.replace(SUBJECT_END, '').replace(/["'“”‘’]/g, '').replace(/\s+/g, ' ').trim();
  let cleaned = subject;
  while (LEADING_ARTICLE.test(cleaned)) cleaned = cleaned.replace(LEADING_ARTICLE, '');
  if (!cleaned) return FALLBACK_SUBJECT;
  // A subject taken from the whole prompt may start the sentence ("Coffee brands…"); one after "for" keeps its names ("Acme").
  return led ? cleaned : lowerFirstWord(cleaned);
}

function lowerFirstWord(subject: string): string {
  return subject.replace(/^[A-Z][a-z]+\b/, (w) => w.toLowerCase());
}

function hanSubject(text: string): string {
  const found = HAN_SUBJECT.exec(text)?.[1]?.replace(/^(?:一个|一款|一家|我们的)/u, '').trim();
  return found || FALLBACK_SUBJECT;
}

function thingOf(subject: string): string {
  const thing = subject.replace(BUSINESS_WORDS, '').replace(/(?:品牌|公司|店)$/u, '').trim();
  return thing || subject;
}
