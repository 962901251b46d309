import { writeFile } from 'node:fs/promises';
import type { Cue } from '../../adapters/ffmpeg/index.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import { subtitleLines } from '../text/script.ts';
import type { ArticleLanguage } from '../text/language.ts';
import type { ClippedScene } from './material-clip.ts';
import { input, makeAsset, optionalInput } from './shared.ts';
import type { Speech } from './speech-synthesize.ts';

/**
 * SubtitleBuilder: cues from the synthesized speech. A sentence too long for
 * one subtitle is broken into lines that share its time in proportion to
 * their length, so every cue starts when its words are spoken. Per-scene cues
 * (relative to the scene) for burning in, and an SRT sidecar on the whole
 * video's timeline (after the title card).
 */

export const SUBTITLE_CHARS = { en: 42, zh: 16 } as const;

export interface Subtitles {
  srt: string;
  title_sec: number;
  scenes: Array<{ index: number; cues: Cue[] }>;
}

export function cuesForScene(speech: Speech['scenes'][number], language: string): Cue[] {
  const max = language === 'zh' ? SUBTITLE_CHARS.zh : SUBTITLE_CHARS.en;
  const cues: Cue[] = [];
  for (const s of speech.sentences) {
    const lines = subtitleLines(s.text, language as ArticleLanguage, max);
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

export function srtTime(sec: number): string {
  const ms = Math.max(0, Math.round(sec * 1000));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(Math.floor(ms / 3600000))}:${p(Math.floor(ms / 60000) % 60)}:${p(Math.floor(ms / 1000) % 60)},${p(ms % 1000, 3)}`;
}

export function toSrt(cues: readonly Cue[]): string {
  return cues.map((c, i) => `${i + 1}\n${srtTime(c.startSec)} --> ${srtTime(c.endSec)}\n${c.text}\n`).join('\n');
}

export function makeSubtitleBuild(deps: PipelineDeps) {
  return async function subtitleBuild(ctx: HandlerContext): Promise<Subtitles> {
    const speech = optionalInput<Speech>(ctx, 'speech');
    const clipped = input<{ scenes: Array<ClippedScene & { caption?: string }> }>(ctx, 'clips');
    const title = input<{ duration_sec: number }>(ctx, 'title');
    const scenes: Subtitles['scenes'] = [];
    const all: Cue[] = [];
    let offset = title.duration_sec;
    for (const scene of clipped.scenes) {
      const spoken = speech?.scenes.find((s) => s.index === scene.index);
      // Without narration (the fast cut) the caption stays up for the whole scene.
      const cues = spoken ? cuesForScene(spoken, speech!.language) : [{ text: scene.caption ?? scene.text, startSec: 0, endSec: scene.duration_sec }];
      scenes.push({ index: scene.index, cues });
      for (const c of cues) all.push({ text: c.text, startSec: c.startSec + offset, endSec: c.endSec + offset });
      offset += scene.duration_sec;
    }
    const srt = await makeAsset(ctx, deps.assets, { kind: 'subtitles', provider: 'slotflow', ext: '.srt' }, (out) => writeFile(out, toSrt(all)));
    return { srt, title_sec: title.duration_sec, scenes };
  };
}
