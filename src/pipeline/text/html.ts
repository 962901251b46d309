/**
 * HTML to narration text with a few regular expressions. Articles pasted or
 * saved from the web are flat enough for this: what matters is dropping
 * what is never read aloud (scripts, styles, navigation, the head), turning
 * block elements into paragraph breaks, and decoding entities. Not a
 * conforming HTML parser; malformed markup degrades to extra or missing
 * paragraph breaks, never to lost text outside the dropped elements.
 */

/** Elements whose content is never narrated; `pre` is code, as a Markdown fence is. */
const DROPPED_ELEMENTS = ['script', 'style', 'noscript', 'template', 'svg', 'math', 'canvas', 'iframe', 'object', 'head', 'nav', 'select', 'button', 'pre'];

/** Elements that start a new paragraph. */
const BLOCK_ELEMENTS = [
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'dd', 'details', 'dialog', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup',
  'hr', 'html', 'li', 'main', 'ol', 'p', 'section', 'summary', 'table', 'tbody', 'thead', 'tfoot', 'tr', 'ul',
];

/** A tag, with quoted attribute values that may contain `>`. */
const TAG = /<\/?[a-zA-Z][^\s/>]*(?:[^>"']|"[^"]*"|'[^']*')*>/g;

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', ensp: '\u2002', emsp: '\u2003', thinsp: '\u2009',
  shy: '\u00ad', zwj: '\u200d', zwnj: '\u200c', ndash: '–', mdash: '—', hellip: '…', lsquo: '‘', rsquo: '’',
  sbquo: '‚', ldquo: '“', rdquo: '”', bdquo: '„', laquo: '«', raquo: '»', lsaquo: '‹', rsaquo: '›', bull: '•',
  middot: '·', copy: '©', reg: '®', trade: '™', deg: '°', plusmn: '±', times: '×', divide: '÷', minus: '−',
  frac12: '½', frac14: '¼', frac34: '¾', para: '¶', sect: '§', euro: '€', pound: '£', yen: '¥', cent: '¢',
  dagger: '†', Dagger: '‡', prime: '′', Prime: '″', larr: '←', rarr: '→', uarr: '↑', darr: '↓', hearts: '♥',
  iexcl: '¡', iquest: '¿', eacute: 'é', egrave: 'è', ecirc: 'ê', aacute: 'á', agrave: 'à', acirc: 'â',
  auml: 'ä', ouml: 'ö', uuml: 'ü', Auml: 'Ä', Ouml: 'Ö', Uuml: 'Ü', szlig: 'ß', ccedil: 'ç', ntilde: 'ñ',
  oacute: 'ó', iacute: 'í', uacute: 'ú', Eacute: 'É',
};

/** Decodes named (a common subset), decimal and hexadecimal character references; unknown names stay as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31});/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      // NUL, surrogates and out-of-range code points become U+FFFD, as browsers do.
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[ref] ?? whole;
  });
}

/** Text content of an HTML fragment on one line: tags removed, entities decoded, white space collapsed. */
export function inlineText(fragment: string): string {
  return collapseSpaces(decodeEntities(fragment.replace(TAG, ' ')));
}

function collapseSpaces(text: string): string {
  return text.replace(/[ \t\n\r\f\u00a0]+/g, ' ').trim();
}

function dropElement(html: string, name: string): string {
  // Unclosed elements (a truncated page) are dropped to the end of the input.
  const element = new RegExp(`<${name}\\b(?:[^>"']|"[^"]*"|'[^']*')*>[\\s\\S]*?(?:</${name}\\s*>|$)`, 'gi');
  return html.replace(element, ' ');
}

export interface HtmlText {
  /** The first `<h1>`, else `<title>`; undefined when neither has text. */
  title?: string;
  /** Paragraphs in reading order, each on one line; the title's `<h1>` is not among them. */
  paragraphs: string[];
}

export function htmlToText(html: string): HtmlText {
  let doc = html.replace(/<!--[\s\S]*?(?:-->|$)/g, ' ').replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1');
  doc = doc.replace(/<!doctype[^>]*>/gi, ' ').replace(/<\?[\s\S]*?\?>/g, ' ');

  const titleTag = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(doc);
  const pageTitle = titleTag ? inlineText(titleTag[1]!) : '';
  for (const name of DROPPED_ELEMENTS) doc = dropElement(doc, name);

  let title: string | undefined;
  const h1 = /<h1\b(?:[^>"']|"[^"]*"|'[^']*')*>([\s\S]*?)<\/h1\s*>/i.exec(doc);
  if (h1 && inlineText(h1[1]!)) {
    title = inlineText(h1[1]!);
    doc = doc.slice(0, h1.index) + '\n\n' + doc.slice(h1.index + h1[0].length);
  } else if (pageTitle) {
    title = pageTitle;
  }

  const blocks = new RegExp(`</?(?:${BLOCK_ELEMENTS.join('|')})\\b(?:[^>"']|"[^"]*"|'[^']*')*>`, 'gi');
  doc = doc
    .replace(/<br\b[^>]*>/gi, '\n')
    .replace(/<\/t[dh]\s*>/gi, ', ')
    .replace(blocks, '\n\n')
    .replace(TAG, ' ');

  const paragraphs: string[] = [];
  for (const block of doc.split(/\n[ \t\r\f\u00a0]*\n/)) {
    const lines = block.split('\n').map((l) => collapseSpaces(decodeEntities(l)));
    // A table row's last cell leaves a trailing separator.
    const text = lines.filter(Boolean).join('\n').replace(/(?:,\s*)+$/, '').trim();
    if (text) paragraphs.push(text);
  }
  return title ? { title, paragraphs } : { paragraphs };
}
