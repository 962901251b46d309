/**
 * An editor's article (Markdown, HTML or plain text, as a string or the bytes
 * of a file) to a title and plain-text paragraphs ready for narration.
 *
 * Order matters: binary input is refused before anything else looks at it;
 * control characters go before format detection so that no later regular
 * expression sees them; the length limit applies to the stripped text, so
 * heavy markup does not count against the editor (a much larger bound on the
 * raw input keeps the regular expressions away from huge files).
 */

import { basename, extname } from 'node:path';
import { ArticleTooLongError, BinaryArticleError, EmptyArticleError } from './errors.ts';
import { htmlToText } from './html.ts';
import { type ArticleLanguage, detectLanguage, displayWidth, joinText } from './language.ts';
import { markdownToText } from './markdown.ts';

/**
 * Most characters of narration text accepted. 50,000 characters is about
 * 8,000 English words, some 50 minutes of speech at 2.6 words a second, or
 * three hours of Chinese at 4.5 characters a second: well past any video an
 * editor means to make. It is a guard against the wrong file (a book, a log,
 * a data dump) tying up speech synthesis and rendering for hours, not an
 * editorial length target; editorial length belongs in the flow's script
 * step.
 */
export const MAX_ARTICLE_CHARS = 50_000;

/** Most characters of raw input (markup included) before it is even parsed. */
export const MAX_ARTICLE_INPUT_CHARS = 2_000_000;

/**
 * Above this share of control characters (or U+FFFD from a bad decode) the
 * input is taken for binary, once there are at least `BINARY_MIN_CONTROLS`
 * of them: a stray escape or bell in a short paste is only removed.
 */
export const BINARY_CONTROL_SHARE = 0.05;
export const BINARY_MIN_CONTROLS = 8;

/** A first line at most this many screen columns wide (CJK characters count two) may be a plain-text title. */
export const MAX_TITLE_WIDTH = 80;

export type ArticleFormat = 'markdown' | 'html' | 'text';

export interface Article {
  /** The article's title; '' when none was given or found. */
  title: string;
  /** Plain text: paragraphs separated by one blank line, each paragraph on one line. */
  body: string;
  language: ArticleLanguage;
  format: ArticleFormat;
}

export interface ParseArticleOptions {
  /** Wins over any title found in the text. */
  title?: string;
  /** Its extension decides the format (.md, .markdown, .html, .htm, .txt); its stem is the last-resort title. */
  filename?: string;
  /** Skips format detection. */
  format?: ArticleFormat;
}

const EXTENSION_FORMATS: Record<string, ArticleFormat> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdown': 'markdown',
  '.mkd': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
  '.txt': 'text',
  '.text': 'text',
};

/** C0 controls other than tab, newline and carriage return; DEL; C1 controls; U+FFFD left by a lossy decode. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_G = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\ufffd]/g;
/** Invisible format characters that only get in the way of speech and line breaking. */
const INVISIBLE_G = /[\u00ad\u200b\u2060\ufeff]/g;
const HAS_WORD = /[\p{L}\p{N}]/u;

export function parseArticle(raw: string | Buffer, opts: ParseArticleOptions = {}): Article {
  let text = decode(raw);
  if (text.length > MAX_ARTICLE_INPUT_CHARS) throw new ArticleTooLongError(text.length, MAX_ARTICLE_INPUT_CHARS, 'input');
  text = removeControlCharacters(text);

  const format = opts.format ?? formatFromFilename(opts.filename) ?? sniffFormat(text);
  const parsed: { title?: string; paragraphs: string[] } =
    format === 'html' ? htmlToText(text) : format === 'markdown' ? markdownToText(text) : plainText(text);
  let paragraphs = parsed.paragraphs.map(toOneLine).filter((p) => HAS_WORD.test(p));
  let title = parsed.title ?? '';

  const explicit = opts.title?.trim();
  if (format === 'text' || !title) {
    // The plain-text rule: a short first line is the title. An explicit title
    // only removes that line when it repeats it.
    const first = firstLineTitle(parsed.paragraphs, format === 'text');
    if (first && (explicit ? sameTitle(first.title, explicit) : true)) {
      title = first.title;
      paragraphs = first.rest.map(toOneLine).filter((p) => HAS_WORD.test(p));
    }
  }
  if (explicit) title = explicit;
  if (!title && opts.filename) title = titleFromFilename(opts.filename);

  const body = paragraphs.join('\n\n');
  if (!body) throw new EmptyArticleError(format);
  if (body.length > MAX_ARTICLE_CHARS) throw new ArticleTooLongError(body.length, MAX_ARTICLE_CHARS, 'text');
  return { title, body, language: detectLanguage(`${title}\n${body}`), format };
}

function decode(raw: string | Buffer): string {
  let text: string;
  if (typeof raw === 'string') {
    text = raw;
  } else {
    if (raw.includes(0)) throw new BinaryArticleError('nul-bytes');
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch (e) {
      throw new BinaryArticleError('invalid-utf8', { cause: e });
    }
  }
  if (text.includes('\u0000')) throw new BinaryArticleError('nul-bytes');
  return text.replace(/^\ufeff/, '');
}

function removeControlCharacters(text: string): string {
  // Form feed and vertical tab are page and line breaks in old text files.
  const normalized = text.replace(/\r\n?/g, '\n').replace(/[\f\v]/g, '\n');
  const controls = normalized.match(CONTROL_G)?.length ?? 0;
  if (controls >= BINARY_MIN_CONTROLS && controls / normalized.length > BINARY_CONTROL_SHARE) throw new BinaryArticleError('control-characters');
  return normalized.replace(CONTROL_G, '').replace(INVISIBLE_G, '').replace(/\t/g, '    ');
}

function formatFromFilename(filename: string | undefined): ArticleFormat | undefined {
  return filename ? EXTENSION_FORMATS[extname(filename).toLowerCase()] : undefined;
}

const HTML_DOCUMENT = /^\s*(?:<!doctype\s+html|<html[\s>]|<\?xml[^>]*>\s*<html)/i;
const HTML_TAG_G = /<\/?(?:p|div|h[1-6]|body|head|title|article|section|span|a|br|ul|ol|li|em|strong|b|i|table|tr|td|img|blockquote|pre|main|header|footer|figure)\b[^>]*>/gi;
/** Block syntax at a line start, a setext underline, links and images, emphasis opened after a space. */
const MARKDOWN_SIGNAL_G =
  /^ {0,3}(?:#{1,6}[ \t]+\S|```|~~~|>[ \t]?\S|[-*+][ \t]+\S|\d{1,9}[.)][ \t]+\S|\[[^\]]+\]:[ \t]*\S|(?:=+|-{2,})[ \t]*$)|!?\[[^\]\n]+\]\([^)\n]*\)|(?:^|\s)(?:\*\*?|__?)\S[^*_\n]*\S?(?:\*\*?|__?)(?=[\s.,;:!?]|$)|^[ \t]*\|.*\|[ \t]*$/gm;

/**
 * Markup wins over plain text when it is there at all; between the two
 * markups, the one with more signals wins (Markdown may embed a few tags).
 */
export function sniffFormat(text: string): ArticleFormat {
  if (HTML_DOCUMENT.test(text)) return 'html';
  const tags = text.match(HTML_TAG_G)?.length ?? 0;
  const markdown = text.match(MARKDOWN_SIGNAL_G)?.length ?? 0;
  if (tags >= 2 && tags > markdown) return 'html';
  if (markdown > 0) return 'markdown';
  return 'text';
}

function plainText(text: string): { paragraphs: string[] } {
  return { paragraphs: text.split(/\n[ \t]*\n/).map((p) => p.trim()).filter(Boolean) };
}

function toOneLine(paragraph: string): string {
  const lines = paragraph.split('\n').map((l) => l.replace(/[ \t\u00a0]+/g, ' ').trim());
  return joinText(lines);
}

/**
 * The first line as a title: short, not ending like a sentence fragment
 * (comma, colon, period, hyphen), and followed by more text. In Markdown
 * and HTML (a fallback when there is no heading) it must be a paragraph of
 * its own; in plain text it may also sit directly above the body, as long as
 * the next line does not read as the same sentence continuing (lower case).
 */
function firstLineTitle(paragraphs: readonly string[], plain: boolean): { title: string; rest: string[] } | undefined {
  const [first, ...others] = paragraphs;
  if (first === undefined) return undefined;
  const [line = '', ...more] = first.split('\n');
  const candidate = line.replace(/[ \t\u00a0]+/g, ' ').trim();
  if (!candidate || !HAS_WORD.test(candidate) || displayWidth(candidate) > MAX_TITLE_WIDTH) return undefined;
  if (/[.,;:，。；：、…-]$/.test(candidate)) return undefined;
  if (more.length > 0) {
    if (!plain) return undefined;
    const next = more[0]!.trim();
    if (/^\p{Ll}/u.test(next)) return undefined;
  }
  const rest = more.length > 0 ? [more.join('\n'), ...others] : others;
  if (!rest.some((p) => HAS_WORD.test(p))) return undefined;
  return { title: candidate, rest };
}

function sameTitle(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/[\s\p{P}]+/gu, '');
  return norm(a) === norm(b);
}

function titleFromFilename(filename: string): string {
  const stem = basename(filename, extname(filename));
  return stem.replace(/[-_]+/g, ' ').replace(/\s+/g, ' ').trim();
}
