/**
 * Line breaking for captions and titles, pure. libass wraps only at spaces,
 * so Chinese would never wrap; we wrap ourselves with a width estimate and
 * let libass wrap further only if the estimate was short.
 */

const NO_LINE_START: ReadonlySet<string> = new Set([...'，。、．！？：；）」』》〉】〕”’…・ー～,.!?:;)]}%']);
const NO_LINE_END: ReadonlySet<string> = new Set([...'（「『《〈【〔“‘([{']);

function isWide(codePoint: number): boolean {
  return (
    (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0xa4cf) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x1f300 && codePoint <= 0x1faff) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd)
  );
}

/** Estimated advance of a character in em, in a bold sans. Errs wide, so lines come out short rather than long. */
export function charEm(char: string): number {
  const cp = char.codePointAt(0) ?? 0;
  if (isWide(cp)) return 1;
  if (char === ' ') return 0.27;
  if (/[il.,:;'!|`]/.test(char)) return 0.3;
  if (/[A-Z0-9]/.test(char)) return 0.66;
  if (/[mwMW]/.test(char)) return 0.9;
  return 0.58;
}

export function textEm(text: string): number {
  let em = 0;
  for (const char of text) em += charEm(char);
  return em;
}

interface Unit {
  text: string;
  spaceBefore: boolean;
}

/** Breakable units of one paragraph: words, single wide characters, with punctuation kept on the right side. */
function units(paragraph: string): Unit[] {
  const out: Unit[] = [];
  let word = '';
  let prefix = '';
  let spaceBefore = false;
  const flush = () => {
    if (!word) return;
    out.push({ text: word, spaceBefore });
    word = '';
    spaceBefore = false;
  };
  for (const char of paragraph) {
    if (/\s/.test(char)) {
      flush();
      spaceBefore = out.length > 0 || prefix !== '';
      continue;
    }
    const last = out[out.length - 1];
    if (NO_LINE_START.has(char) && !word && !prefix && last && !spaceBefore) {
      last.text += char;
      continue;
    }
    if (NO_LINE_END.has(char) && isWide(char.codePointAt(0) ?? 0)) {
      flush();
      prefix += char;
      continue;
    }
    if (isWide(char.codePointAt(0) ?? 0) && !NO_LINE_START.has(char)) {
      flush();
      out.push({ text: prefix + char, spaceBefore });
      prefix = '';
      spaceBefore = false;
      continue;
    }
    word = prefix + word + char;
    prefix = '';
  }
  if (prefix) word += prefix;
  flush();
  return out;
}

function greedyLines(paragraph: string, maxEm: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const unit of units(paragraph)) {
    const joined = line && unit.spaceBefore ? `${line} ${unit.text}` : line + unit.text;
    if (!line || textEm(joined) <= maxEm) {
      line = joined;
    } else {
      lines.push(line);
      line = unit.text;
    }
    // A single unit wider than a line (a long URL) is cut by characters.
    while (textEm(line) > maxEm && [...line].length > 1) {
      const chars = [...line];
      let cut = 1;
      while (cut < chars.length && textEm(chars.slice(0, cut + 1).join('')) <= maxEm) cut++;
      lines.push(chars.slice(0, cut).join(''));
      line = chars.slice(cut).join('');
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Wraps `text` to lines of at most `maxEm`, keeping its own line breaks, then
 * narrows the measure as far as the line count allows, so lines come out even
 * rather than one long line and a short tail. Never narrower than the widest
 * word that fits the full measure: evening the lines must not cut a word.
 */
export function wrapText(text: string, maxEm: number): string[] {
  const paragraphs = text.split(/\r\n|\r|\n/);
  const wrap = (em: number) => paragraphs.flatMap((p) => (p.trim() ? greedyLines(p.trim(), em) : ['']));
  const widestWord = Math.max(0, ...paragraphs.flatMap((p) => units(p.trim()).map((u) => textEm(u.text)).filter((em) => em <= maxEm)));
  const lines = wrap(maxEm);
  let best = lines;
  for (let em = maxEm - 0.25; em > maxEm / 3 && em >= widestWord; em -= 0.25) {
    const narrower = wrap(em);
    if (narrower.length !== lines.length) break;
    best = narrower;
  }
  return best;
}

