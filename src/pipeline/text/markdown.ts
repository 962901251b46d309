/**
 * Markdown to narration text. Line-oriented: block syntax (headings, lists,
 * quotes, fences, tables, rules) is recognised per line, then inline syntax
 * is removed from what is left. Links keep their text; images, code blocks,
 * reference definitions, HTML comments and tags are dropped; emphasis
 * markers are removed. Each heading and list item becomes a paragraph of its
 * own, so that it is also a sentence of its own when narrated.
 */

import { decodeEntities } from './html.ts';

export interface MarkdownText {
  /** The first level-1 heading (ATX `# x` or setext `x` over `===`), else a front-matter `title:`. */
  title?: string;
  /** Paragraphs in reading order; lines inside a paragraph are kept, the title heading is not among them. */
  paragraphs: string[];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const RULE = /^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?/;
const QUOTE = /^[ \t]{0,3}(?:>[ \t]?)+/;
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]]+\]:[ \t]*\S+(?:[ \t]+(?:"[^"]*"|'[^']*'|\([^)]*\)))?[ \t]*$/;
const TABLE_DELIMITER = /^[ \t]*\|?[ \t]*:?-{1,}:?[ \t]*(?:\|[ \t]*:?-{1,}:?[ \t]*)*\|?[ \t]*$/;

/** Removes inline Markdown from one line of text. */
export function stripInline(line: string): string {
  let s = line;
  // Code spans first: their content is literal, so emphasis rules must not
  // touch it. Placeholders use private-use characters, which articles do not contain.
  const spans: string[] = [];
  s = s.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_m, _ticks: string, code: string) => {
    spans.push(code.trim());
    return `\uE000${spans.length - 1}\uE000`;
  });
  s = s
    .replace(/\\([\\`*_{}[\]()#+\-.!|~<>])/g, (_m, ch: string) => `\uE001${ch.charCodeAt(0)}\uE001`)
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '') // inline image
    .replace(/!\[[^\]]*\]\[[^\]]*\]/g, '') // reference image
    .replace(/\[([^\]]*)\]\((?:[^()\s]|\([^)]*\))*(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g, '$1') // inline link
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1') // reference link
    .replace(/<(?:https?|ftp|mailto):[^>\s]*>/gi, '') // autolink: an address is not narration
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<\/?[a-zA-Z][^>]*>/g, '') // inline HTML
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/(^|[^\p{L}\p{N}*])\*(?=\S)([^*]*?\S)\*(?![\p{L}\p{N}*])/gu, '$1$2')
    .replace(/(^|[^\p{L}\p{N}_])_(?=\S)([^_]*?\S)_(?![\p{L}\p{N}_])/gu, '$1$2')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1');
  s = s.replace(/\uE000(\d+)\uE000/g, (_m, i: string) => spans[Number(i)] ?? '');
  s = s.replace(/\uE001(\d+)\uE001/g, (_m, code: string) => String.fromCharCode(Number(code)));
  return decodeEntities(s).replace(/[ \t]+/g, ' ').trim();
}

function tableCells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => stripInline(c))
    .filter(Boolean);
}

function frontMatter(lines: string[]): { end: number; title?: string } {
  if (lines[0]?.trim() !== '---') return { end: 0 };
  const close = lines.findIndex((l, i) => i > 0 && /^(?:---|\.\.\.)\s*$/.test(l));
  if (close < 0) return { end: 0 };
  let title: string | undefined;
  for (const l of lines.slice(1, close)) {
    const m = /^title:\s*(.+?)\s*$/.exec(l);
    if (m) title = m[1]!.replace(/^(["'])(.*)\1$/, '$2').trim() || undefined;
  }
  return title ? { end: close + 1, title } : { end: close + 1 };
}

export function markdownToText(markdown: string): MarkdownText {
  const lines = markdown.split('\n');
  const front = frontMatter(lines);
  const paragraphs: string[] = [];
  let current: string[] = [];
  let title: string | undefined;
  let fence: string | undefined;
  let inComment = false;

  const flush = () => {
    const text = current.join('\n').trim();
    if (text) paragraphs.push(text);
    current = [];
  };
  const heading = (level: number, text: string) => {
    flush();
    if (level === 1 && title === undefined && text) title = text;
    else if (text) paragraphs.push(text);
  };

  for (let i = front.end; i < lines.length; i++) {
    const line = lines[i]!;
    if (fence !== undefined) {
      if (line.trim().startsWith(fence)) fence = undefined;
      continue;
    }
    if (inComment) {
      if (line.includes('-->')) inComment = false;
      continue;
    }
    const fenceOpen = FENCE.exec(line);
    if (fenceOpen) {
      flush();
      fence = fenceOpen[1]!;
      continue;
    }
    if (/^\s*<!--/.test(line) && !line.includes('-->')) {
      flush();
      inComment = true;
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    const atx = ATX_HEADING.exec(line);
    if (atx) {
      heading(atx[1]!.length, stripInline(atx[2] ?? ''));
      continue;
    }
    const next = lines[i + 1];
    if (current.length === 0 && next !== undefined && SETEXT_UNDERLINE.test(next) && !LIST_ITEM.test(line) && !RULE.test(line)) {
      heading(next.trim().startsWith('=') ? 1 : 2, stripInline(line));
      i += 1;
      continue;
    }
    if (RULE.test(line) || REFERENCE_DEFINITION.test(line) || (TABLE_DELIMITER.test(line) && line.includes('|'))) {
      flush();
      continue;
    }
    if (line.includes('|') && (TABLE_DELIMITER.test(next ?? '') || /^\s*\|.*\|\s*$/.test(line))) {
      flush();
      const cells = tableCells(line);
      if (cells.length) paragraphs.push(cells.join(', '));
      continue;
    }
    let content = line.replace(QUOTE, '');
    if (LIST_ITEM.test(content)) {
      flush();
      content = content.replace(LIST_ITEM, '');
    }
    const text = stripInline(content);
    if (text) current.push(text);
  }
  flush();
  if (title === undefined && front.title) title = stripInline(front.title);
  return title ? { title, paragraphs } : { paragraphs };
}
