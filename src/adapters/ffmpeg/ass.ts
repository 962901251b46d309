/**
 * ASS documents for libass: the captions of a scene and the title of a
 * title card. Sizes are fractions of the frame so that 16:9, 9:16 and 1:1
 * all read well.
 */
import { assText } from './escape.ts';
import { wrapText } from './line-break.ts';

/** Subtitle font size as a fraction of the shorter side (70 px on 1080×1920). */
const CAPTION_FONT_RATIO = 0.065;
/** Caption left/right margin as a fraction of the width. */
const CAPTION_MARGIN_X_RATIO = 0.06;
/** Caption distance from the bottom edge: higher on portrait, where app controls cover the bottom. */
const CAPTION_MARGIN_BOTTOM_PORTRAIT = 0.2;
const CAPTION_MARGIN_BOTTOM_LANDSCAPE = 0.08;
const CAPTION_OUTLINE_RATIO = 0.08;
const CAPTION_SHADOW_RATIO = 0.035;

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

function assDocument(width: number, height: number, style: AssStyle, events: AssEvent[]): string {
  const s = style;
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
    // White text, black outline, half-transparent black shadow (&HAABBGGRR).
    `Style: ${s.name},${s.family},${s.fontSize},&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,-1,0,0,0,100,100,0,0,1,${s.outline},${s.shadow},${s.alignment},${s.marginX},${s.marginX},${s.marginV},1`,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
    ...events.map((e) => `Dialogue: 0,${assTime(e.startSec)},${assTime(e.endSec)},${s.name},,0,0,0,,${e.text}`),
    '',
  ].join('\n');
}

export interface Cue {
  text: string;
  startSec: number;
  endSec: number;
}

/** The captions of one scene as an ASS document: big bold text with an outline, bottom third, wrapped to the frame. */
export function captionsAss(width: number, height: number, cues: readonly Cue[], family: string, durationSec = Infinity): string {
  const fontSize = Math.round(Math.min(width, height) * CAPTION_FONT_RATIO);
  const marginX = Math.round(width * CAPTION_MARGIN_X_RATIO);
  const portrait = height > width;
  const style: AssStyle = {
    name: 'Caption',
    family,
    fontSize,
    outline: Math.max(1, Math.round(fontSize * CAPTION_OUTLINE_RATIO)),
    shadow: Math.max(1, Math.round(fontSize * CAPTION_SHADOW_RATIO)),
    alignment: 2,
    marginX,
    marginV: Math.round(height * (portrait ? CAPTION_MARGIN_BOTTOM_PORTRAIT : CAPTION_MARGIN_BOTTOM_LANDSCAPE)),
  };
  const maxEm = (width - 2 * marginX) / fontSize;
  const events = cues
    .filter((cue) => cue.text.trim() !== '' && cue.endSec > cue.startSec && cue.startSec < durationSec)
    .map((cue) => ({
      startSec: Math.max(0, cue.startSec),
      endSec: Math.min(cue.endSec, durationSec),
      text: wrapText(cue.text.trim(), maxEm).map(assText).join('\\N'),
    }));
  return assDocument(width, height, style, events);
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

