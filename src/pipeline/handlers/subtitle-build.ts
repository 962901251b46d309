import { type CaptionLayoutName, type CaptionStyle, type Cue, type CueWord, DEFAULT_CAPTION_LAYOUT } from '../../adapters/ffmpeg/index.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import { subtitleLines } from '../text/script.ts';
import type { ArticleLanguage } from '../text/language.ts';
import type { ClippedScene } from './material-clip.ts';
import { input, optionalInput, optionsOf, type TaskOptions } from './shared.ts';
import { CAPTION_STYLES } from '../submission.ts';
import { toneStyle } from '../tones.ts';
import type { Speech } from './speech-synthesize.ts';
import type { SpokenWord } from '../../providers/types.ts';

/**
 * SubtitleBuilder: cues from the synthesized speech. A sentence too long for
 * one subtitle is broken into lines; each line starts when its first word is
 * spoken and carries its words' times, for the word-timed caption styles
 * (speech without word times shares the sentence's time between its lines in
 * proportion to their length). Per-scene cues (relative to the scene) for
 * burning in, in the caption style the task asks for. It reads no title card,
 * so the scenes need not wait for the title card's encode: VideoSynthesis lays
 * the video's SRT out from the scenes' cues, after its title.
 */

export const SUBTITLE_CHARS = { en: 42, zh: 16 } as const;

/** With neither a caption style nor a tone asked for (a tone's style is in `tones.ts`). */
export const DEFAULT_CAPTION_STYLE: CaptionStyle = 'karaoke';

/** The caption style and layout for a task's options (already validated at submission). */
export function captionsFor(options: TaskOptions): Subtitles['captions'] {
  const asked = options.captions;
  const tone = options.tone;
  const style = typeof asked === 'string' && (CAPTION_STYLES as readonly string[]).includes(asked)
    ? (asked as CaptionStyle)
    : toneStyle(tone)?.captions ?? DEFAULT_CAPTION_STYLE;
  return { style, layout: DEFAULT_CAPTION_LAYOUT[style] };
}

export interface Subtitles {
  /** How the burned-in captions look: the style asked for (or the tone's), in its layout. */
  captions: { style: CaptionStyle; layout: CaptionLayoutName };
  scenes: Array<{ index: number; cues: Cue[] }>;
}

export function cuesForScene(speech: Speech['scenes'][number], language: string): Cue[] {
  const max = language === 'zh' ? SUBTITLE_CHARS.zh : SUBTITLE_CHARS.en;
  const cues: Cue[] = [];
  for (const s of speech.sentences) {
    const lines = subtitleLines(s.text, language as ArticleLanguage, max);
    if (s.words?.length) {
      const timed = wordsOfLines(lines, s.words);
      timed.forEach((words, i) => {
        const startSec = words[0]?.startSec ?? s.start_sec;
        const endSec = timed[i + 1]?.[0]?.startSec ?? s.end_sec;
        if (endSec > startSec) cues.push({ text: lines[i]!, startSec, endSec, words });
      });
      continue;
    }
    const total = lines.reduce((n, l) => n + [...l].length, 0) || 1;
    let at = s.start_sec;
    for (const line of lines) {
      const share = ((s.end_sec - s.start_sec) * [...line].length) / total;
      cues.push({ text: line, startSec: at, endSec: at + share });
      at += share;
    }
  }
  return cues;
}

const SPOKEN = /[\p{L}\p{N}]/gu;

/**
 * A line cut into its words, each with the space before it, so the words
 * joined are the line: a Han character is a word, punctuation stays with the
 * word before it (or after it, at the start).
 */
export function lineWords(line: string): string[] {
  const tokens = line.match(/\s*(?:\p{Script=Han}|[^\s\p{Script=Han}]+)|\s+$/gu) ?? [];
  const out: string[] = [];
  let pending = '';
  for (const token of tokens) {
    if (!token.match(SPOKEN)) {
      if (out.length) out[out.length - 1] += token;
      else pending += token;
      continue;
    }
    out.push(pending + token);
    pending = '';
  }
  if (pending) out.push(pending);
  return out;
}

/**
 * The words of each line, timed from the sentence's spoken words. Both are
 * walked letter by letter (letters and digits only), so the lines may cut
 * words differently from the speech engine ("trains—", a word split at a
 * line end): a line word starts when its first letter is spoken.
 */
export function wordsOfLines(lines: readonly string[], spoken: readonly SpokenWord[]): CueWord[][] {
  const letters: Array<{ start: number; end: number }> = [];
  for (const w of spoken) {
    const n = w.text.match(SPOKEN)?.length ?? 0;
    for (let j = 0; j < n; j++) letters.push({ start: w.start_sec + ((w.end_sec - w.start_sec) * j) / n, end: w.start_sec + ((w.end_sec - w.start_sec) * (j + 1)) / n });
  }
  const last = spoken.at(-1)!.end_sec;
  let at = 0;
  return lines.map((line) => lineWords(line).map((text) => {
    const n = text.match(SPOKEN)?.length ?? 0;
    const first = letters[Math.min(at, letters.length - 1)];
    const end = letters[Math.min(at + Math.max(n, 1) - 1, letters.length - 1)];
    const word = { text, startSec: at < letters.length ? first!.start : last, endSec: at < letters.length ? end!.end : last };
    at += n;
    return word;
  }));
}

export function srtTime(sec: number): string {
  const ms = Math.max(0, Math.round(sec * 1000));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(Math.floor(ms / 3600000))}:${p(Math.floor(ms / 60000) % 60)}:${p(Math.floor(ms / 1000) % 60)},${p(ms % 1000, 3)}`;
}

export function toSrt(cues: readonly Cue[]): string {
  return cues.map((c, i) => `${i + 1}\n${srtTime(c.startSec)} --> ${srtTime(c.endSec)}\n${c.text}\n`).join('\n');
}

export async function subtitleBuild(ctx: HandlerContext): Promise<Subtitles> {
  const speech = optionalInput<Speech>(ctx, 'speech');
  const clipped = input<{ scenes: Array<ClippedScene & { caption?: string }> }>(ctx, 'clips');
  const scenes = clipped.scenes.map((scene) => {
    const spoken = speech?.scenes.find((s) => s.index === scene.index);
    // Without narration (the fast cut) the caption stays up for the whole scene.
    const cues = spoken ? cuesForScene(spoken, speech!.language) : [{ text: scene.caption ?? scene.text, startSec: 0, endSec: scene.duration_sec }];
    return { index: scene.index, cues };
  });
  return { captions: captionsFor(optionsOf(ctx)), scenes };
}
