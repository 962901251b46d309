/**
 * Fluent Emoji (MIT, `@iconify-json/fluent-emoji`) as illustrations, found by
 * the English and Chinese keywords of `emojibase-data` (MIT). The keyword
 * index and where each icon's entry sits in the set's 99 MB `icons.json` are
 * precomputed into `fluent-emoji-index.json` (`scripts/illustration-index.ts`);
 * the index is read once per process on first use (a few milliseconds) and an
 * icon is read from its byte range when a scene needs it. When the installed
 * set is not the version the index was made from, the whole set is parsed once
 * instead (slow, about 2 s, but right) and a warning says to run the script.
 */
import { readFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ILLUSTRATION_INDEX_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fluent-emoji-index.json');
const ICONS_PACKAGE = '@iconify-json/fluent-emoji';
/** The set's default icon box. */
const DEFAULT_ICON_SIZE = 32;

export interface IllustrationIndexFile {
  source: { icons: string; keywords: string };
  /** Icon name → [byte offset, byte length] of its value in icons.json. */
  icons: Record<string, [number, number]>;
  /** Folded English keyword → icon names, best first. */
  en: Record<string, string[]>;
  /** Chinese keyword (two characters or more) → icon names, best first. */
  zh: Record<string, string[]>;
}

/** An icon as SVG markup for a `viewBox` of `width` × `height`. */
export interface IconSvg {
  name: string;
  body: string;
  width: number;
  height: number;
}

/** What the visual choice needs from an illustration set: keywords to icon names. */
export interface IllustrationKeywords {
  /** Icon names for a folded English keyword or a Chinese keyword, best first; empty when none. */
  lookup(language: 'en' | 'zh', keyword: string): readonly string[];
  /** Every Chinese keyword, for matching as substrings of a narration. */
  chineseKeywords(): readonly string[];
}

export interface IllustrationSet extends IllustrationKeywords {
  readonly name: string;
  icon(name: string): Promise<IconSvg>;
}

interface RawIcon {
  body: string;
  width?: number;
  height?: number;
}

class FluentEmoji implements IllustrationSet {
  readonly name = 'fluent-emoji';
  private readonly zhKeys: string[];
  private whole: Promise<Record<string, RawIcon>> | undefined;

  constructor(
    private readonly index: IllustrationIndexFile,
    private readonly iconsFile: string,
    private readonly current: boolean,
  ) {
    // Longer keywords first: "高速列车" is tried before "列车".
    this.zhKeys = Object.keys(index.zh).sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  }

  lookup(language: 'en' | 'zh', keyword: string): readonly string[] {
    return Object.hasOwn(this.index[language], keyword) ? this.index[language][keyword]! : [];
  }

  chineseKeywords(): readonly string[] {
    return this.zhKeys;
  }

  async icon(name: string): Promise<IconSvg> {
    const raw = this.current ? await this.slice(name) : (await this.wholeSet())[name];
    if (!raw?.body) throw new Error(`${ICONS_PACKAGE} has no icon ${name}`);
    return { name, body: raw.body, width: raw.width ?? DEFAULT_ICON_SIZE, height: raw.height ?? DEFAULT_ICON_SIZE };
  }

  private async slice(name: string): Promise<RawIcon | undefined> {
    const at = this.index.icons[name];
    if (!at) return undefined;
    const file = await open(this.iconsFile, 'r');
    try {
      const buffer = Buffer.alloc(at[1]);
      await file.read(buffer, 0, at[1], at[0]);
      return JSON.parse(buffer.toString('utf8')) as RawIcon;
    } finally {
      await file.close();
    }
  }

  private wholeSet(): Promise<Record<string, RawIcon>> {
    this.whole ??= readFile(this.iconsFile, 'utf8').then((text) => (JSON.parse(text) as { icons: Record<string, RawIcon> }).icons);
    return this.whole;
  }
}

let loaded: FluentEmoji | undefined;

/** The bundled illustration set, its index read on first use and kept for the process. */
export function fluentEmoji(): IllustrationSet {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    const packageFile = require.resolve(`${ICONS_PACKAGE}/package.json`);
    const version = (JSON.parse(readFileSync(packageFile, 'utf8')) as { version: string }).version;
    const index = JSON.parse(readFileSync(ILLUSTRATION_INDEX_FILE, 'utf8')) as IllustrationIndexFile;
    const current = index.source.icons === `${ICONS_PACKAGE}@${version}`;
    if (!current) {
      process.emitWarning(`${ILLUSTRATION_INDEX_FILE} was made from ${index.source.icons}, ${version} is installed: run npx tsx scripts/illustration-index.ts`);
    }
    loaded = new FluentEmoji(index, path.join(path.dirname(packageFile), 'icons.json'), current);
  }
  return loaded;
}
