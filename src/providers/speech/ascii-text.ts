/**
 * Text for the engines that read bytes as Latin-1 or ASCII (Festival,
 * Flite): curly quotes, dashes and ellipses become their ASCII forms,
 * accented letters lose their accents ("café" → "cafe"), and any other
 * character outside ASCII is dropped, so the engine never spells out the
 * bytes of a UTF-8 sequence. Done word by word, so the words given to the
 * engine stay in step with the words of the text: a word left with nothing
 * is dropped from both.
 */

const REPLACEMENTS: Readonly<Record<string, string>> = {
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"', '\u00ab': '"', '\u00bb': '"',
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-',
  '\u2026': '...', '\u00d7': 'x', '\u00df': 'ss', '\u00e6': 'ae', '\u00c6': 'AE', '\u0153': 'oe', '\u0152': 'OE', '\u00f8': 'o', '\u00d8': 'O',
};

export interface AsciiWords {
  /** The words of the text as written, those that kept something in ASCII. */
  original: string[];
  /** The same words in ASCII, one for one. */
  ascii: string[];
}

/** One word (no whitespace in it) in ASCII; empty when nothing of it is. */
export function asciiWord(word: string): string {
  let out = '';
  for (const ch of word) {
    const replaced = REPLACEMENTS[ch];
    if (replaced !== undefined) {
      out += replaced;
      continue;
    }
    // Combining marks go after NFKD, which also turns ligatures and full-width forms into plain letters.
    for (const c of ch.normalize('NFKD')) if (c >= ' ' && c <= '~') out += c;
  }
  return out;
}

/** The text split at whitespace into words, each with its ASCII form. */
export function asciiWords(text: string): AsciiWords {
  const original: string[] = [];
  const ascii: string[] = [];
  for (const word of text.split(/\s+/u)) {
    const a = asciiWord(word);
    if (!a) continue;
    original.push(word);
    ascii.push(a);
  }
  return { original, ascii };
}

/** A written word without the punctuation around it: `"Smith's,"` → `Smith's`; the word itself when that leaves nothing. */
export function bareWord(word: string): string {
  return word.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, '') || word;
}
