/**
 * A video's cover: one picture of it with the title set over it in the
 * video's caption style, as a JPEG of the video's size.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type CaptionOptions, coverTitleAss } from './ass.ts';
import { checkSize } from './encoding.ts';
import { escapeFilterPath } from './escape.ts';
import type { FfmpegRunner, RunOptions } from './run.ts';
import { libassEnv, stageImage, withScratch } from './scratch.ts';

/** mjpeg quantiser: 2 is near the best it does (1..31), about 250 kB for a 1080×1920 photo. */
export const COVER_JPEG_QUALITY = 2;

export interface CoverOptions extends RunOptions {
  width: number;
  height: number;
  /** The picture, any image ffmpeg reads (a scene's still); scaled to cover the frame when its size differs. */
  picture: string;
  title: string;
  /** The video's caption style and layout, which the title is set in. */
  captions?: CaptionOptions;
  /** A `.jpg`. */
  out: string;
}

/**
 * The cover as a baseline JPEG (full-range BT.601, as JFIF wants it). Bit-exact: no encoder version is written,
 * so the same picture and title give the same bytes with the same ffmpeg.
 */
export async function renderCover(runner: FfmpegRunner, options: CoverOptions): Promise<void> {
  const { width, height, out } = options;
  checkSize(width, height);
  runner.requireFilters('the cover', 'ass');
  await withScratch(async (dir) => {
    const fonts = await libassEnv();
    const assFile = path.join(dir, 'cover.ass');
    await writeFile(assFile, coverTitleAss(width, height, options.title, fonts.family, options.captions));
    const chain = [
      `scale=${width}:${height}:force_original_aspect_ratio=increase`,
      `crop=${width}:${height}`,
      'setsar=1',
      'format=rgb24',
      `ass=filename=${escapeFilterPath(assFile)}:fontsdir=${escapeFilterPath(fonts.fontsDir)}`,
      'scale=out_color_matrix=bt601:out_range=pc',
      'format=yuvj420p',
    ].join(',');
    const target = path.resolve(out);
    await rm(target, { force: true });
    await runner.ffmpeg(
      [
        '-i', await stageImage(options.picture, dir, 'picture'),
        '-vf', chain,
        '-frames:v', '1',
        '-c:v', 'mjpeg', '-q:v', String(COVER_JPEG_QUALITY),
        '-fflags', '+bitexact', '-flags:v', '+bitexact',
        '-f', 'image2', '-update', '1',
        target,
      ],
      { signal: options.signal, env: fonts.env },
    );
  });
}
