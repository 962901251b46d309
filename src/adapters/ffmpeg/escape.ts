/**
 * Escaping, done here once. Text never reaches a filter graph: titles, cues
 * and watermarks go through files (an ASS document for libass, a text file
 * for drawtext), escaped for ASS by `assText`. File paths inside filter
 * graphs go through `escapeFilterPath`, paths in concat lists through
 * `concatListEntry`.
 */
import path from 'node:path';


/**
 * Escapes a value for a filter option inside a filter graph. Two parsers
 * read it: the graph parser (special: `\ ' [ ] , ;`) and then the filter's
 * option parser (special: `\ ' :`). Whitespace is escaped too, so that
 * neither parser trims it.
 */
export function escapeFilterValue(value: string): string {
  const forOptions = value.replace(/[\\':\s]/g, (c) => `\\${c}`);
  return forOptions.replace(/[\\'[\],;\s]/g, (c) => `\\${c}`);
}

/** A file path as a filter option value (`ass=filename=…`, `drawtext=textfile=…`). Made absolute first. */
export function escapeFilterPath(file: string): string {
  return escapeFilterValue(path.resolve(file));
}

/** U+2060 WORD JOINER: invisible, and stops libass reading `\N`, `\n`, `\h` as commands. */
const WORD_JOINER = '\u2060';

/**
 * Text for the Text field of an ASS Dialogue line, shown literally by libass:
 * `{` and `}` (override blocks) become `\{` and `\}`; a backslash that would
 * form `\N`, `\n` or `\h` gets an invisible word joiner after it; every other
 * backslash is already literal. Line breaks become `\N`.
 */
export function assText(text: string): string {
  return text
    .replace(/\\(?=[Nnh])/g, `\\${WORD_JOINER}`)
    .replace(/[{}]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n/g, '\\N');
}

/** One `file` line of a concat demuxer list: single-quoted, a quote written as `'\''`. */
export function concatListEntry(file: string): string {
  const absolute = path.resolve(file);
  if (/[\r\n]/.test(absolute)) throw new RangeError(`a concat segment path cannot contain a line break: ${JSON.stringify(absolute)}`);
  return `file '${absolute.replace(/'/g, "'\\''")}'`;
}

