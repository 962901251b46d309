/** Scratch space and inputs staged into it, for the runs that need files beside them. */
import { access, copyFile, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { preparedFonts } from '../fonts.ts';

/** Environment for runs that use libass: our fontconfig file, so lookups are quiet and find the bundled faces. */
export async function libassEnv(): Promise<{ env: Record<string, string>; fontsDir: string; family: string }> {
  const fonts = await preparedFonts();
  return { env: { FONTCONFIG_FILE: fonts.fontconfigFile }, fontsDir: fonts.dir, family: fonts.family };
}

/** A private scratch directory for list, subtitle and text files, removed afterwards. */
export async function withScratch<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-ffmpeg-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * An image input, linked into the scratch directory under a plain name. The
 * image2 demuxer reads `%d` and glob characters in a file name as a sequence
 * pattern, and there is no option that turns that off for every image
 * demuxer; a plain name sidesteps it. The extension is kept so that ffmpeg
 * still picks the decoder by it.
 */
export async function stageImage(file: string, dir: string, name: string): Promise<string> {
  const source = path.resolve(file);
  await access(source); // a missing input fails here with ENOENT and its real path
  const ext = path.extname(source);
  const link = path.join(dir, /^\.[A-Za-z0-9]{1,8}$/.test(ext) ? name + ext : name);
  try {
    await symlink(source, link);
  } catch {
    await copyFile(source, link);
  }
  return link;
}
