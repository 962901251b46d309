import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import { buildScript } from '../text/script.ts';
import { splitSentences } from '../text/sentences.ts';
import type { ArticleLanguage } from '../text/language.ts';
import type { ScriptOutput, Understanding } from '../outputs.ts';
import { input } from './shared.ts';

/**
 * TextProcessor: the script, as scenes of at most about 8 s of speech after a
 * title scene. When a chat provider is configured it rewrites the narration
 * first (the facts stay the article's; the wording becomes spoken).
 */

export const REWRITE_INSTRUCTIONS =
  'Rewrite this article as a narration script for a short video. Keep every fact, keep it in the same language, use short spoken sentences, no headings or lists.';

export type { ScriptOutput } from '../outputs.ts';

export function makeTextProcess(deps: PipelineDeps) {
  return async function textProcess(ctx: HandlerContext): Promise<ScriptOutput> {
    const u = input<Understanding>(ctx, 'understanding');
    const language = u.language as ArticleLanguage;
    const sentences = deps.chat
      ? splitSentences(await deps.chat.rewrite(u.body, REWRITE_INSTRUCTIONS, language, { signal: ctx.signal }), language)
      : u.sentences;
    const script = buildScript({ title: u.title, language }, { sentences, keyPhrases: u.key_phrases });
    return { ...script, rewritten_by: deps.chat?.name ?? null };
  };
}
