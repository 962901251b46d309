import type { HandlerContext } from '../../handlers/registry.ts';
import { parseArticle } from '../text/article.ts';
import { understand } from '../text/understand.ts';
import type { Understanding } from '../outputs.ts';
import { taskInput } from './shared.ts';

/** TextUnderstanding: the article parsed (Markdown, HTML or text), its language, sentences, key phrases and tone. */

export type { Understanding } from '../outputs.ts';

export async function textUnderstand(ctx: HandlerContext): Promise<Understanding> {
  const { article } = taskInput(ctx);
  const raw = typeof article === 'string' ? article : (article?.body ?? '');
  const title = typeof article === 'object' ? article.title : undefined;
  const parsed = parseArticle(raw, title ? { title } : {});
  const u = understand({ body: parsed.body, language: parsed.language, title: parsed.title });
  return { title: parsed.title, language: parsed.language, body: parsed.body, sentences: u.sentences, key_phrases: u.keyPhrases, tone: u.tone };
}
