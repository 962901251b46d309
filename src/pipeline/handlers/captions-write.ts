import type { HandlerContext } from '../../handlers/registry.ts';
import type { ArticleLanguage } from '../text/language.ts';
import type { ScriptOutput, Understanding } from '../outputs.ts';
import { input } from './shared.ts';

/** CaptionWriter (fast cut): a handful of short punchy captions, the title's and the article's leading sentences cut to a few words. */

export const FAST_CUT_CAPTIONS = 8;
export const CAPTION_WORDS = 7;
export const CAPTION_HAN = 14;

export function shorten(sentence: string, language: string): string {
  const clean = sentence.replace(/[.。!！?？;；,，:：]+$/u, '').trim();
  if (language === 'zh') return [...clean].length > CAPTION_HAN ? `${[...clean].slice(0, CAPTION_HAN).join('')}…` : clean;
  const words = clean.split(/\s+/);
  return words.length > CAPTION_WORDS ? `${words.slice(0, CAPTION_WORDS).join(' ')}…` : clean;
}

export async function captionsWrite(ctx: HandlerContext): Promise<ScriptOutput> {
  const u = input<Understanding>(ctx, 'understanding');
  const captions = u.sentences.slice(0, FAST_CUT_CAPTIONS).map((s) => shorten(s, u.language));
  return {
    title: u.title,
    language: u.language as ArticleLanguage,
    rewritten_by: null,
    scenes: captions.map((text, index) => ({ index, sentences: [text], text, keywords: u.key_phrases, estimatedSec: 0 })),
  };
}
