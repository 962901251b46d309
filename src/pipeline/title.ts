import { parseArticle } from './text/article.ts';

/**
 * A task's title, what lists show it by. Every entry point (`task submit`, `render`, `POST /v1/tasks`)
 * takes it from here, in this order:
 * 1. the title given with the request (`--title`, the body's `title`), else the article's own `title`;
 * 2. the article's title as its text gives it: a Markdown or HTML heading, or a short first line;
 * 3. the script's `title`;
 * 4. the first words of the prompt, the article's text or the first scene's.
 * A title is one line; a derived one is cut at `MAX_DERIVED_TITLE` characters on a word boundary, with an
 * ellipsis; a given one only at `MAX_TITLE`, the most the store keeps.
 */

export const MAX_DERIVED_TITLE = 80;
export const MAX_TITLE = 200;
const ELLIPSIS = '…';

interface TitleSource {
  article?: { title?: unknown; body?: unknown };
  script?: { title?: unknown; scenes?: unknown };
  prompt?: unknown;
}

export function taskTitle(input: unknown, given?: string | null): string | null {
  const src = (input ?? {}) as TitleSource;
  const explicit = oneLine(given) || oneLine(src.article?.title);
  if (explicit) return cut(explicit, MAX_TITLE);
  if (typeof src.article?.body === 'string') {
    const article = parsed(src.article.body);
    if (article?.title) return cut(oneLine(article.title), MAX_DERIVED_TITLE);
    const words = oneLine(article?.body);
    if (words) return cut(words, MAX_DERIVED_TITLE);
  }
  const scripted = oneLine(src.script?.title);
  if (scripted) return cut(scripted, MAX_DERIVED_TITLE);
  const prompt = oneLine(src.prompt);
  if (prompt) return cut(prompt, MAX_DERIVED_TITLE);
  const scenes = Array.isArray(src.script?.scenes) ? (src.script.scenes as Array<{ text?: unknown } | null>) : [];
  const first = oneLine(scenes[0]?.text);
  return first ? cut(first, MAX_DERIVED_TITLE) : null;
}

/** The article as narration reads it; undefined for one that is refused (the entry point has said so already). */
function parsed(body: string): { title: string; body: string } | undefined {
  try {
    return parseArticle(body);
  } catch {
    return undefined;
  }
}

function oneLine(value: unknown): string {
  return typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : '';
}

/**
 * At most `max` characters (code points, so no pair is split), ending on a word boundary when the text has
 * one in its second half (Chinese or Japanese may have none: the cut is then where the limit falls).
 */
export function cut(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const head = chars.slice(0, max - ELLIPSIS.length).join('');
  const space = head.lastIndexOf(' ');
  const kept = space >= head.length / 2 ? head.slice(0, space) : head;
  return `${kept.replace(/[\s,;:.\-–—]+$/u, '')}${ELLIPSIS}`;
}
