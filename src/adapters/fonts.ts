/**
 * The one bundled font: Noto Sans SC (Latin and CJK), from
 * `@expo-google-fonts/noto-sans-sc`. Every piece of text slotflow burns into
 * a video uses it, so a Chinese article renders the same on any machine.
 *
 * The package keeps each weight in a folder of its own, next to previews and
 * JavaScript files. libass wants one directory to load fonts from
 * (`fontsdir`), so `preparedFonts()` links the regular and bold faces into a
 * private directory under the system temp dir, together with a minimal
 * fontconfig file: the static ffmpeg's fontconfig is older than the system's
 * configuration and prints a warning per file when it reads it.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** The family name libass and fontconfig know the bundled faces by. */
export const FONT_FAMILY = 'Noto Sans SC';

const FONT_PACKAGE = '@expo-google-fonts/noto-sans-sc';
const REGULAR_FILE = path.join('400Regular', 'NotoSansSC_400Regular.ttf');
const BOLD_FILE = path.join('700Bold', 'NotoSansSC_700Bold.ttf');

/** Names of the faces inside the prepared directory. */
const LINKED_REGULAR = 'NotoSansSC-Regular.ttf';
const LINKED_BOLD = 'NotoSansSC-Bold.ttf';

export interface BundledFonts {
  /** Family name to put in ASS styles: `Noto Sans SC`. */
  family: string;
  /** Absolute path of the regular (400) TrueType file. */
  regular: string;
  /** Absolute path of the bold (700) TrueType file. */
  bold: string;
}

export interface PreparedFonts extends BundledFonts {
  /** A directory holding exactly the regular and bold faces: libass `fontsdir`. */
  dir: string;
  /** A fontconfig file to pass as `FONTCONFIG_FILE` to ffmpeg. */
  fontconfigFile: string;
}

/** Paths of the bundled font files, resolved through the package, not a hard-coded node_modules path. */
export function bundledFonts(): BundledFonts {
  const require = createRequire(import.meta.url);
  const packageDir = path.dirname(require.resolve(`${FONT_PACKAGE}/package.json`));
  return {
    family: FONT_FAMILY,
    regular: path.join(packageDir, REGULAR_FILE),
    bold: path.join(packageDir, BOLD_FILE),
  };
}

let prepared: PreparedFonts | undefined;

/**
 * The bundled faces in one directory, with a fontconfig file. Made once per
 * machine and package location (the directory name hashes both font paths),
 * then reused; concurrent processes race safely because each builds its own
 * directory and renames it into place. Checked on every call, so a worker
 * that outlives a temp-directory cleaner makes it again.
 */
export async function preparedFonts(): Promise<PreparedFonts> {
  if (prepared && isComplete(prepared)) return prepared;
  prepared = await prepare();
  return prepared;
}

async function prepare(): Promise<PreparedFonts> {
  const fonts = bundledFonts();
  for (const file of [fonts.regular, fonts.bold]) {
    if (!existsSync(file)) throw new Error(`bundled font file is missing: ${file}`);
  }
  const key = createHash('sha256').update(`${fonts.regular}\0${fonts.bold}`).digest('hex').slice(0, 16);
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
  const root = path.join(os.tmpdir(), `slotflow-fonts-${user}-${key}`);
  const result: PreparedFonts = {
    ...fonts,
    dir: path.join(root, 'fonts'),
    fontconfigFile: path.join(root, 'fonts.conf'),
  };
  if (isComplete(result)) return result;

  const staging = await mkdtemp(`${root}.tmp-`);
  try {
    await mkdir(path.join(staging, 'fonts'));
    await mkdir(path.join(staging, 'cache'));
    await linkOrCopy(fonts.regular, path.join(staging, 'fonts', LINKED_REGULAR));
    await linkOrCopy(fonts.bold, path.join(staging, 'fonts', LINKED_BOLD));
    // Paths are written for the final location, which the rename below creates.
    await writeFile(path.join(staging, 'fonts.conf'), fontconfigXml(result.dir, path.join(root, 'cache')));
    if (isComplete(result)) return result;
    // Whatever is left at `root` is stale (links into a package that moved).
    await rm(root, { recursive: true, force: true });
    await rename(staging, root);
  } catch (error) {
    // Another process may have won the rename; its directory is as good as ours.
    if (!isComplete(result)) throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return result;
}

function isComplete(fonts: PreparedFonts): boolean {
  // existsSync follows links, so a link to a moved package counts as missing.
  return (
    existsSync(path.join(fonts.dir, LINKED_REGULAR)) &&
    existsSync(path.join(fonts.dir, LINKED_BOLD)) &&
    existsSync(fonts.fontconfigFile)
  );
}

async function linkOrCopy(target: string, link: string): Promise<void> {
  try {
    await symlink(target, link);
  } catch {
    await copyFile(target, link);
  }
}

function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Our faces first, then the system's for glyphs Noto Sans SC lacks (emoji,
 * other scripts). No `conf.d` include: that is what the old fontconfig
 * inside the static ffmpeg warns about.
 */
function fontconfigXml(fontDir: string, cacheDir: string): string {
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    '<fontconfig>',
    `  <dir>${xmlText(fontDir)}</dir>`,
    '  <dir>/usr/share/fonts</dir>',
    '  <dir>/usr/local/share/fonts</dir>',
    `  <cachedir>${xmlText(cacheDir)}</cachedir>`,
    '</fontconfig>',
    '',
  ].join('\n');
}
