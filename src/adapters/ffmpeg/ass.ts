/**
 * ASS documents for libass: the captions of a scene and the title of a
 * title card. Sizes are fractions of the frame so that 16:9, 9:16 and 1:1
 * all read well.
 *
 * Captions come in three styles: `sentence` (each cue's line as it is),
 * `karaoke` (the line, each word turning to the highlight colour as it is
 * spoken: one `\k` per word) and `pop` (one to three words at a time, large),
 * each set in a layout preset (`classic`, `boxed`, `bold`, `middle`): position, size,
 * colours, outline and an optional translucent box; `middle` keeps them in the
 * middle third of the frame, where user-made (UGC) videos set them. On a portrait frame every
 * layout keeps the captions inside the area short-video apps leave clear: not
 * in the bottom 20 % nor the top 12 %.
 */
import { assText } from './escape.ts';
import { textEm, wrapText } from './line-break.ts';

export const CAPTION_STYLES = ['sentence', 'karaoke', 'pop'] as const;
export type CaptionStyle = (typeof CAPTION_STYLES)[number];
export const CAPTION_LAYOUTS = ['classic', 'boxed', 'bold', 'middle'] as const;
export type CaptionLayoutName = (typeof CAPTION_LAYOUTS)[number];

/** How captions look: a preset, in fractions of the frame. Colours are ASS `&HAABBGGRR` (alpha 00 opaque). */
export interface CaptionLayoutPreset {
  /** Font size as a fraction of the frame's shorter side. */
  fontRatio: number;
  /** Distance of the text's bottom from the frame's bottom, as a fraction of the height, on portrait and on other frames. */
  bottomPortrait: number;
  bottomLandscape: number;
  text: string;
  /** The colour a karaoke word turns to when it is spoken. */
  highlight: string;
  outline: string;
  /** Outline thickness as a fraction of the font size; with a box, the box's padding. */
  outlineRatio: number;
  shadowRatio: number;
  /** A box behind the text, in this colour (translucent), instead of an outline. */
  box?: string;
  /** The highest the text may reach, as a fraction of the height from the top; default the portrait safe top (portrait), the frame's top (others). */
  topRatio?: number;
}

/** Left/right margin as a fraction of the width. */
const CAPTION_MARGIN_X_RATIO = 0.06;
/** Short-video apps cover the bottom 20 % (caption, buttons) and the top 12 % (tabs) of a portrait frame. */
export const PORTRAIT_SAFE_BOTTOM = 0.2;
export const PORTRAIT_SAFE_TOP = 0.12;
/** The `middle` layout's band, as fractions of the height from the bottom and from the top: inside the middle third. */
export const MIDDLE_BAND = { bottom: 0.35, top: 0.35 } as const;
/** libass sets lines about this many font sizes apart. */
export const CAPTION_LINE_HEIGHT = 1.25;

export const CAPTION_LAYOUT_PRESETS: Readonly<Record<CaptionLayoutName, CaptionLayoutPreset>> = {
  // White with a black outline at the bottom, as captions have always looked (70 px on 1080×1920).
  classic: { fontRatio: 0.065, bottomPortrait: PORTRAIT_SAFE_BOTTOM, bottomLandscape: 0.08, text: '&H00FFFFFF', highlight: '&H0000D7FF', outline: '&H00000000', outlineRatio: 0.08, shadowRatio: 0.035 },
  // White on a translucent black box, a little smaller.
  boxed: { fontRatio: 0.06, bottomPortrait: PORTRAIT_SAFE_BOTTOM, bottomLandscape: 0.08, text: '&H00FFFFFF', highlight: '&H0000D7FF', outline: '&H00000000', outlineRatio: 0.28, shadowRatio: 0, box: '&H60000000' },
  // Large, thick outline: for a few words at a time. As low as the others, inside the band a scene picture leaves
  // free below its illustration and key phrase (illustrations/picture.ts), so two lines never cover the phrase.
  bold: { fontRatio: 0.088, bottomPortrait: PORTRAIT_SAFE_BOTTOM, bottomLandscape: 0.08, text: '&H00FFFFFF', highlight: '&H0000D7FF', outline: '&H00000000', outlineRatio: 0.11, shadowRatio: 0.04 },
  // Boxed, inside the middle third of the frame on every shape (`MIDDLE_BAND`), as user-made videos set them.
  middle: {
    fontRatio: 0.06, bottomPortrait: MIDDLE_BAND.bottom, bottomLandscape: MIDDLE_BAND.bottom, topRatio: MIDDLE_BAND.top,
    text: '&H00FFFFFF', highlight: '&H0000D7FF', outline: '&H00000000', outlineRatio: 0.28, shadowRatio: 0, box: '&H60000000',
  },
};

/** The layout each style is set in unless another is asked for. */
export const DEFAULT_CAPTION_LAYOUT: Readonly<Record<CaptionStyle, CaptionLayoutName>> = { sentence: 'classic', karaoke: 'boxed', pop: 'bold' };

/** Pop shows at most this many words at a time (a Han character, a word of Chinese's own, counts half)… */
export const POP_MAX_WORDS = 3;
const POP_HAN_WORD_SHARE = 0.5;
/** …and starts a new group after a pause this long, or a word ending a clause. */
const POP_BREAK_PAUSE_SEC = 0.3;
const CLAUSE_END = /[,.!?;:，。！？；：、…]["'”’」』）)]*$/u;
/** A pop group stays on screen until the next, or this long after its last word at most. */
const POP_HOLD_SEC = 0.6;

const TITLE_FONT_RATIO = 0.085;
const TITLE_MIN_FONT_RATIO = 0.045;
/** Titles longer than this many lines are set smaller. */
const TITLE_MAX_LINES = 4;
const TITLE_WIDTH_RATIO = 0.84;
const TITLE_OUTLINE_RATIO = 0.035;
const TITLE_SHADOW_RATIO = 0.05;

/** `H:MM:SS.cc`, as ASS wants it. */
function assTime(seconds: number): string {
  const cs = Math.max(0, Math.round(seconds * 100));
  const h = Math.floor(cs / 360_000);
  const m = Math.floor((cs % 360_000) / 6000);
  const s = Math.floor((cs % 6000) / 100);
  const c = cs % 100;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(c).padStart(2, '0')}`;
}

interface AssStyle {
  name: string;
  family: string;
  fontSize: number;
  outline: number;
  shadow: number;
  /** Default: white text, black outline, half-transparent black shadow. */
  colours?: { primary: string; secondary: string; outline: string; back: string };
  /**
   * 1 outline and shadow; 4 (libass 0.17) one box behind the whole event in
   * the back colour, its padding the outline's size. Style 3 would box each
   * karaoke word on its own, darker where the boxes overlap; a libass that
   * does not know 4 draws an outline instead.
   */
  borderStyle?: 1 | 4;
  /** Numpad alignment: 2 bottom centre, 5 middle centre. */
  alignment: 2 | 5;
  marginX: number;
  marginV: number;
}

interface AssEvent {
  startSec: number;
  endSec: number;
  /** Already escaped with `assText`, lines joined with `\N`. */
  text: string;
}

const PLAIN_COLOURS = { primary: '&H00FFFFFF', secondary: '&H00FFFFFF', outline: '&H00000000', back: '&H80000000' };

function assDocument(width: number, height: number, style: AssStyle, events: AssEvent[]): string {
  const s = style;
  const c = s.colours ?? PLAIN_COLOURS;
  return [
    '[Script Info]',
    '; Written by slotflow',
    'ScriptType: v4.00+',
    `PlayResX: ${width}`,
    `PlayResY: ${height}`,
    'WrapStyle: 0',
    'ScaledBorderAndShadow: yes',
    'YCbCr Matrix: TV.709',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    // Colours are &HAABBGGRR. Karaoke words are in the secondary colour until spoken, then in the primary.
    `Style: ${s.name},${s.family},${s.fontSize},${c.primary},${c.secondary},${c.outline},${c.back},-1,0,0,0,100,100,0,0,${s.borderStyle ?? 1},${s.outline},${s.shadow},${s.alignment},${s.marginX},${s.marginX},${s.marginV},1`,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
    ...events.map((e) => `Dialogue: 0,${assTime(e.startSec)},${assTime(e.endSec)},${s.name},,0,0,0,,${e.text}`),
    '',
  ].join('\n');
}

/** A word of a cue: `text` is its part of the cue's text (with the space before it), so the words joined are the text. */
export interface CueWord {
  text: string;
  startSec: number;
  endSec: number;
}

export interface Cue {
  text: string;
  startSec: number;
  endSec: number;
  /** When each word is spoken, for the karaoke and pop styles; without them a cue is shown as a sentence. */
  words?: CueWord[];
}

export interface CaptionOptions {
  /** Default `sentence`. */
  style?: CaptionStyle;
  /** Default: the style's (`DEFAULT_CAPTION_LAYOUT`). */
  layout?: CaptionLayoutName;
}

/** A layout resolved for one frame size and style, in pixels. */
export interface ResolvedCaptionLayout {
  style: CaptionStyle;
  layout: CaptionLayoutName;
  fontSize: number;
  marginX: number;
  /** Distance of the text's bottom (the box's, with a box) from the frame's bottom. */
  marginV: number;
  outline: number;
  shadow: number;
  /** Widest a line may be, in em of `fontSize`. */
  maxEm: number;
  /** Most lines an event may have and stay clear of the top of the safe area. */
  maxLines: number;
}

/** The pixel sizes of a caption layout on a `width`×`height` frame. */
export function resolveCaptionLayout(width: number, height: number, options: CaptionOptions = {}): ResolvedCaptionLayout {
  const style = options.style ?? 'sentence';
  const layout = options.layout ?? DEFAULT_CAPTION_LAYOUT[style];
  const preset = CAPTION_LAYOUT_PRESETS[layout];
  const portrait = height > width;
  const fontSize = Math.max(8, Math.round(Math.min(width, height) * preset.fontRatio));
  const outline = Math.max(1, Math.round(fontSize * preset.outlineRatio));
  const shadow = preset.shadowRatio > 0 ? Math.max(1, Math.round(fontSize * preset.shadowRatio)) : 0;
  // The outline (or the box's padding) and shadow lie outside the text: the margins keep them inside too.
  const marginX = Math.round(width * CAPTION_MARGIN_X_RATIO) + outline;
  const marginV = Math.round(height * (portrait ? preset.bottomPortrait : preset.bottomLandscape)) + outline + shadow;
  const top = preset.topRatio !== undefined ? height * preset.topRatio : portrait ? height * PORTRAIT_SAFE_TOP : 0;
  const room = height - marginV - top - outline;
  return {
    style, layout, fontSize, marginX, marginV, outline, shadow,
    maxEm: Math.max(1, (width - 2 * marginX) / fontSize),
    maxLines: Math.max(1, Math.floor(room / (fontSize * CAPTION_LINE_HEIGHT))),
  };
}

/** Captions are set at most this much smaller to fit; a cue that still does not fit is shown a page at a time. */
export const MIN_CAPTION_SCALE = 0.5;

/**
 * The captions of one scene as an ASS document, in the style and layout
 * asked for, wrapped to the frame. A cue without word times is shown whole
 * whatever the style; a cue with more lines than the safe area holds is set
 * smaller.
 */
export function captionsAss(width: number, height: number, cues: readonly Cue[], family: string, durationSec = Infinity, options: CaptionOptions = {}): string {
  const resolved = resolveCaptionLayout(width, height, options);
  const preset = CAPTION_LAYOUT_PRESETS[resolved.layout];
  const style: AssStyle = {
    name: 'Caption',
    family,
    fontSize: resolved.fontSize,
    outline: resolved.outline,
    shadow: resolved.shadow,
    colours: { primary: resolved.style === 'karaoke' ? preset.highlight : preset.text, secondary: preset.text, outline: preset.box ?? preset.outline, back: preset.box ?? '&H80000000' },
    borderStyle: preset.box ? 4 : 1,
    alignment: 2,
    marginX: resolved.marginX,
    marginV: resolved.marginV,
  };
  const events: AssEvent[] = [];
  for (const cue of cues.flatMap((c) => pagedCue(c, resolved))) {
    if (cue.text.trim() === '' || !(cue.endSec > cue.startSec) || cue.startSec >= durationSec) continue;
    const words = cue.words?.filter((w) => w.text.trim() !== '');
    if (resolved.style === 'pop' && words?.length) {
      events.push(...popEvents(cue, words, resolved));
    } else if (resolved.style === 'karaoke' && words?.length) {
      events.push(karaokeEvent(cue, words, resolved));
    } else {
      events.push({ startSec: cue.startSec, endSec: cue.endSec, text: fitted(cue.text.trim(), resolved) });
    }
  }
  const clipped = events
    .filter((e) => e.startSec < durationSec && e.endSec > e.startSec)
    .map((e) => ({ ...e, startSec: Math.max(0, e.startSec), endSec: Math.min(e.endSec, durationSec) }));
  return assDocument(width, height, style, clipped);
}

/** Whether two pieces of text meet without a space (Han, kana, Hangul and their punctuation are set without one). */
function closeUp(before: string, after: string): boolean {
  const wide = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u;
  return wide.test(before.slice(-1)) || wide.test(after.charAt(0));
}

/**
 * A cue cut into pages that each fit the safe area even when set smaller: a cue with more lines than that (a
 * long sentence in a short or narrow frame) is shown a page at a time, each for its share of the cue's time (from
 * its words when they are timed, else by its length), instead of running over the top of the safe area.
 */
function pagedCue(cue: Cue, layout: ResolvedCaptionLayout): Cue[] {
  const perPage = Math.max(1, Math.floor(layout.maxLines / MIN_CAPTION_SCALE));
  const lines = wrapText(cue.text.trim(), layout.maxEm / MIN_CAPTION_SCALE);
  if (lines.length <= perPage) return [cue];
  const pages: string[] = [];
  for (let i = 0; i < lines.length; i += perPage) {
    pages.push(lines.slice(i, i + perPage).reduce((text, line) => (text === '' ? line : `${text}${closeUp(text, line) ? '' : ' '}${line}`), ''));
  }
  const visible = (text: string) => [...text.replace(/\s+/gu, '')].length;
  const words = cue.words?.filter((w) => w.text.trim() !== '') ?? [];
  const out: Cue[] = [];
  const total = pages.reduce((n, p) => n + visible(p), 0) || 1;
  let at = cue.startSec;
  let next = 0;
  for (const [i, page] of pages.entries()) {
    const last = i === pages.length - 1;
    if (words.length > 0) {
      // The page's words: as many as its visible characters, the last page takes the rest.
      const mine: CueWord[] = [];
      let chars = 0;
      while (next < words.length && (last || chars < visible(page) || mine.length === 0)) {
        chars += visible(words[next]!.text);
        mine.push(words[next++]!);
      }
      const endSec = last || next >= words.length ? cue.endSec : words[next]!.startSec;
      out.push({ text: page, startSec: i === 0 ? cue.startSec : mine[0]?.startSec ?? at, endSec, words: mine });
      at = endSec;
    } else {
      const endSec = last ? cue.endSec : at + ((cue.endSec - cue.startSec) * visible(page)) / total;
      out.push({ text: page, startSec: at, endSec });
      at = endSec;
    }
  }
  return out;
}

/** Wrapped lines of `text`, escaped and joined with `\N`, set smaller (`\fs`) when more lines than the safe area holds. */
function fitted(text: string, layout: ResolvedCaptionLayout): string {
  const { lines, scale } = fitLines(text, layout);
  const body = lines.map(assText).join('\\N');
  return scale < 1 ? `{\\fs${Math.floor(layout.fontSize * scale)}}${body}` : body;
}

/** The lines of `text` at the layout's size, or at a smaller one (as a scale) when they would not fit under the safe area's top. */
export function fitLines(text: string, layout: ResolvedCaptionLayout): { lines: string[]; scale: number } {
  let scale = 1;
  let lines = wrapText(text, layout.maxEm);
  while (lines.length > Math.floor(layout.maxLines / scale) && scale > MIN_CAPTION_SCALE) {
    scale *= 0.9;
    lines = wrapText(text, layout.maxEm / scale);
  }
  return { lines, scale };
}

/**
 * The cue's line with one `\k` per word: word i's duration runs from its
 * start to the next word's (the last to the cue's end), so the durations add
 * up to the event's time and each word turns when it is spoken. Line breaks
 * are the wrapped text's, put between words or, in a word cut for being wider
 * than a line, inside it.
 */
function karaokeEvent(cue: Cue, words: readonly CueWord[], layout: ResolvedCaptionLayout): AssEvent {
  const startSec = Math.min(cue.startSec, words[0]!.startSec);
  const { lines, scale } = fitLines(words.map((w) => w.text).join('').trim(), layout);
  // Break positions as counts of visible characters.
  const breaks: number[] = [];
  let count = 0;
  for (const line of lines.slice(0, -1)) {
    count += [...line.replace(/\s+/gu, '')].length;
    breaks.push(count);
  }
  const centis = karaokeCentis(words, startSec, cue.endSec);
  let seen = 0;
  let out = scale < 1 ? `{\\fs${Math.floor(layout.fontSize * scale)}}` : '';
  words.forEach((word, i) => {
    let text = '';
    for (const char of i === 0 ? word.text.trimStart() : word.text) {
      if (/\s/u.test(char)) {
        if (breaks.includes(seen)) continue;
        text += char;
        continue;
      }
      if (breaks.includes(seen) && seen > 0 && !text.endsWith('\u0000')) text = text.trimEnd() + '\u0000';
      text += char;
      seen++;
    }
    out += `{\\k${centis[i]!}}${text.split('\u0000').map(assText).join('\\N')}`;
  });
  return { startSec, endSec: cue.endSec, text: out };
}

/** Each word's `\k` duration in centiseconds, rounded so that they add up exactly to the event's time. */
export function karaokeCentis(words: readonly CueWord[], startSec: number, endSec: number): number[] {
  const total = Math.max(0, Math.round(endSec * 100) - Math.round(startSec * 100));
  const out: number[] = [];
  let given = 0;
  words.forEach((w, i) => {
    const next = i + 1 < words.length ? words[i + 1]!.startSec : endSec;
    const until = i + 1 < words.length ? Math.min(total, Math.max(given, Math.round((next - startSec) * 100))) : total;
    out.push(until - given);
    given = until;
  });
  return out;
}

/** Groups of one to three words, each an event from its first word's start to the next group's. */
function popEvents(cue: Cue, words: readonly CueWord[], layout: ResolvedCaptionLayout): AssEvent[] {
  const groups: CueWord[][] = [];
  let group: CueWord[] = [];
  let size = 0;
  for (const [i, word] of words.entries()) {
    group.push(word);
    size += /^\P{L}*\p{Script=Han}\P{L}*$/u.test(word.text.trim()) ? POP_HAN_WORD_SHARE : 1;
    const next = words[i + 1];
    const wide = next && textEm((group.map((w) => w.text).join('') + next.text).trim()) > layout.maxEm * 2;
    if (!next || size >= POP_MAX_WORDS || CLAUSE_END.test(word.text.trimEnd()) || next.startSec - word.endSec >= POP_BREAK_PAUSE_SEC || wide) {
      groups.push(group);
      group = [];
      size = 0;
    }
  }
  return groups.map((g, i) => {
    const startSec = i === 0 ? Math.min(cue.startSec, g[0]!.startSec) : g[0]!.startSec;
    const next = groups[i + 1]?.[0]?.startSec;
    const endSec = next === undefined ? cue.endSec : Math.min(next, g.at(-1)!.endSec + POP_HOLD_SEC);
    return { startSec, endSec, text: fitted(g.map((w) => w.text).join('').trim(), layout) };
  });
}

/** A title as an ASS document: centred, as big as `TITLE_MAX_LINES` lines allow. */
export function titleAss(width: number, height: number, title: string, family: string, durationSec: number): string {
  const short = Math.min(width, height);
  const measure = width * TITLE_WIDTH_RATIO;
  let fontSize = Math.round(short * TITLE_FONT_RATIO);
  let lines = wrapText(title.trim(), measure / fontSize);
  while (lines.length > TITLE_MAX_LINES && fontSize > short * TITLE_MIN_FONT_RATIO) {
    fontSize = Math.max(Math.round(fontSize * 0.88), Math.round(short * TITLE_MIN_FONT_RATIO));
    lines = wrapText(title.trim(), measure / fontSize);
  }
  const style: AssStyle = {
    name: 'Title',
    family,
    fontSize,
    outline: Math.max(1, Math.round(fontSize * TITLE_OUTLINE_RATIO)),
    shadow: Math.max(1, Math.round(fontSize * TITLE_SHADOW_RATIO)),
    alignment: 5,
    marginX: Math.round((width - measure) / 2),
    marginV: 0,
  };
  return assDocument(width, height, style, [{ startSec: 0, endSec: durationSec, text: lines.map(assText).join('\\N') }]);
}


/** A cover's title is set this much larger than the captions… */
const COVER_TITLE_SCALE = 1.6;
/** …on at most this many lines, set smaller (down to the captions' size) to stay within them. */
const COVER_TITLE_MAX_LINES = 3;

/**
 * A cover's title as an ASS document: the video's caption layout (font, colours, outline or box, position above
 * the bottom of the safe area) at a larger size, wrapped to the frame. A title too long for the safe area even at
 * the captions' size is cut, its last line ending with an ellipsis.
 */
export function coverTitleAss(width: number, height: number, title: string, family: string, options: CaptionOptions = {}): string {
  const resolved = resolveCaptionLayout(width, height, options);
  const preset = CAPTION_LAYOUT_PRESETS[resolved.layout];
  const text = title.trim().replace(/\s+/gu, ' ');
  let scale = COVER_TITLE_SCALE;
  let lines = wrapText(text, resolved.maxEm / scale);
  while (lines.length > COVER_TITLE_MAX_LINES && scale > 1) {
    scale = Math.max(1, scale * 0.9);
    lines = wrapText(text, resolved.maxEm / scale);
  }
  // What still does not fit between the captions' bottom margin and the top of the safe area is cut.
  const room = Math.max(1, Math.floor(resolved.maxLines / scale));
  if (lines.length > room) lines = [...lines.slice(0, room - 1), ellipsized(lines[room - 1]!, resolved.maxEm / scale)];
  const size = (v: number) => (v > 0 ? Math.max(1, Math.round(v * scale)) : 0);
  const style: AssStyle = {
    name: 'Cover',
    family,
    fontSize: Math.round(resolved.fontSize * scale),
    outline: size(resolved.outline),
    shadow: size(resolved.shadow),
    colours: { primary: preset.text, secondary: preset.text, outline: preset.box ?? preset.outline, back: preset.box ?? '&H80000000' },
    borderStyle: preset.box ? 4 : 1,
    alignment: 2,
    // The larger outline or box stays inside the frame and above the bottom of the safe area too.
    marginX: resolved.marginX + size(resolved.outline) - resolved.outline,
    marginV: resolved.marginV + size(resolved.outline) + size(resolved.shadow) - resolved.outline - resolved.shadow,
  };
  return assDocument(width, height, style, [{ startSec: 0, endSec: 1, text: lines.map(assText).join('\\N') }]);
}

/** `line` shortened to leave room for an ellipsis within `maxEm`. */
function ellipsized(line: string, maxEm: number): string {
  const chars = [...line];
  while (chars.length > 0 && textEm(chars.join('') + '…') > maxEm) chars.pop();
  return chars.join('').trimEnd() + '…';
}

/** A word of kinetic type and when it appears. */
export interface KineticWord {
  text: string;
  startSec: number;
}

const KINETIC_FONT_RATIO = 0.11;
const KINETIC_MIN_FONT_RATIO = 0.05;
const KINETIC_MAX_LINES = 4;
const KINETIC_FADE_MS = 220;
/** The word being spoken is set in this colour (&HBBGGRR, a warm yellow), the others in white. */
const KINETIC_ACCENT = '&H3CD7FF&';

/**
 * Kinetic type: a key phrase set big in `box` (centred, wrapped), its words appearing one by one as they are
 * spoken, each fading in in the accent colour and turning white when the next appears. Every event carries the
 * whole phrase (the words not yet spoken transparent), so the layout never moves as words appear.
 */
export function kineticAss(width: number, height: number, box: { x: number; y: number; w: number; h: number }, words: readonly KineticWord[], family: string, durationSec: number): string {
  const shown = words.filter((w) => w.text.trim() !== '');
  const short = Math.min(box.w, box.h * 1.4);
  let fontSize = Math.round(short * KINETIC_FONT_RATIO);
  const wrap = (size: number): number[][] => {
    const lines: number[][] = [[]];
    let em = 0;
    const measure = (box.w * 0.84) / size;
    shown.forEach((w, i) => {
      const wordEm = textEm(w.text.trim()) + (lines.at(-1)!.length ? 0.3 : 0);
      if (lines.at(-1)!.length && em + wordEm > measure) {
        lines.push([]);
        em = 0;
      }
      lines.at(-1)!.push(i);
      em += textEm(w.text.trim()) + (lines.at(-1)!.length > 1 ? 0.3 : 0);
    });
    return lines;
  };
  let lines = wrap(fontSize);
  while ((lines.length > KINETIC_MAX_LINES || lines.length * fontSize * CAPTION_LINE_HEIGHT > box.h * 0.8) && fontSize > short * KINETIC_MIN_FONT_RATIO) {
    fontSize = Math.max(Math.round(fontSize * 0.9), Math.round(short * KINETIC_MIN_FONT_RATIO));
    lines = wrap(fontSize);
  }
  const style: AssStyle = {
    name: 'Kinetic', family, fontSize, outline: Math.max(1, Math.round(fontSize * 0.04)), shadow: Math.max(1, Math.round(fontSize * 0.05)),
    alignment: 5, marginX: 0, marginV: 0,
  };
  const pos = `{\\an5\\pos(${Math.round(box.x + box.w / 2)},${Math.round(box.y + box.h / 2)})}`;
  const events: AssEvent[] = shown.map((word, i) => {
    const text = lines.map((line) => line.map((j) => {
      const t = assText(shown[j]!.text.trim());
      if (j < i) return `{\\alpha&H00&\\1c&HFFFFFF&}${t}`;
      if (j === i) return `{\\alpha&HFF&\\1c${KINETIC_ACCENT}\\t(0,${KINETIC_FADE_MS},\\alpha&H00&)}${t}`;
      return `{\\alpha&HFF&}${t}`;
    }).join(' ')).join('\\N');
    const end = i + 1 < shown.length ? shown[i + 1]!.startSec : durationSec;
    return { startSec: word.startSec, endSec: Math.max(word.startSec + 0.01, end), text: pos + text };
  });
  return assDocument(width, height, style, events);
}
