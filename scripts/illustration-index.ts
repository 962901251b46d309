import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { ILLUSTRATION_INDEX_FILE, type IllustrationIndexFile } from '../src/adapters/illustrations/fluent-emoji.ts';
import { foldEnglish } from '../src/pipeline/text/fold.ts';

/**
 * Makes `src/adapters/illustrations/fluent-emoji-index.json`: keywords (English, and
 * Chinese) to Fluent Emoji icon names, and where each icon's entry sits in the
 * package's 99 MB `icons.json`, so a render reads a few kilobytes instead of
 * parsing the whole set (2 s and 280 MB). Run `npx tsx scripts/illustration-index.ts`
 * after upgrading `@iconify-json/fluent-emoji` or `emojibase-data`.
 *
 * Emoji are matched to icons by their CLDR name (`train` → `fluent-emoji:train`):
 * the icon set names its icons that way and carries no `chars` table.
 */

const require = createRequire(import.meta.url);
const ICONS_PACKAGE = '@iconify-json/fluent-emoji';
const KEYWORDS_PACKAGE = 'emojibase-data';
/** Icons kept per keyword, best first. */
const PER_KEYWORD = 4;
/** emojibase groups: 0 smileys, 1 people, 2 skin-tone components, 8 symbols, 9 flags. */
const SKIPPED_GROUPS = new Set([2]);
/** Faces, hands and signs say little about a story; they lose to objects and places that share the keyword. */
const WEAK_GROUPS = new Set([0, 1, 8]);
/** Smileys and emotion: their tags are left out. */
const FACES = 0;
/** Above the highest CLDR order of an emoji, for the tie-break below. */
const ORDER_SPAN = 10_000;
/** Tags too vague to stand for a picture. */
const VAGUE = new Set([
  'face', 'person', 'man', 'woman', 'people', 'symbol', 'sign', 'mark', 'button', 'word', 'other', 'object', 'thing', 'way',
  'time', 'part', 'place', 'day', 'year', 'number', 'one', 'two', 'first', 'new', 'good', 'ok', 'yes', 'no', 'not', 'open',
  '人', '脸', '男人', '女人', '标志', '符号', '按钮', '时间', '其他', '可以', '好的', '是的', '不是', '没有', '我们', '他们', '一个', '这个',
  '那个', '什么', '现在', '时候', '已经', '地方', '东西', '很好', '一起', '不要', '完成', '开始', '结束', '正在', '方向',
  '中', '大', '小', '上', '下', '一', '二', '三', '好', '不', '是', '有',
]);

interface Emoji {
  label: string;
  hexcode: string;
  tags?: string[];
  group?: number;
  order?: number;
}

function slug(label: string): string {
  return label
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[’'"“”.!:,()]/g, '')
    .replace(/&/g, 'and')
    .replace(/[^a-z0-9#*]+/g, '-')
    .replace(/^-|-$/g, '');
}

function packageFile(name: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${name}/package.json`)), file);
}

function versionOf(name: string): string {
  return (JSON.parse(readFileSync(packageFile(name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Byte offset and length of each wanted icon's value in icons.json, checked against the parsed file. */
function locate(buffer: Buffer, icons: Record<string, unknown>, names: Iterable<string>): Record<string, [number, number]> {
  const located: Record<string, [number, number]> = {};
  for (const name of names) {
    const key = Buffer.from(`\n\t\t${JSON.stringify(name)}: `);
    const at = buffer.indexOf(key);
    if (at < 0) throw new Error(`${name}: not found in icons.json as formatted by this version`);
    const start = at + key.length;
    const end = buffer.indexOf('\n\t\t}', start) + '\n\t\t}'.length;
    const parsed = JSON.parse(buffer.subarray(start, end).toString('utf8')) as unknown;
    if (!isDeepStrictEqual(parsed, icons[name])) throw new Error(`${name}: the slice at ${start} is not the icon`);
    located[name] = [start, end - start];
  }
  return located;
}

export function buildIndex(): IllustrationIndexFile {
  const iconsFile = packageFile(ICONS_PACKAGE, 'icons.json');
  const buffer = readFileSync(iconsFile);
  const set = JSON.parse(buffer.toString('utf8')) as { icons: Record<string, unknown> };
  const en = JSON.parse(readFileSync(packageFile(KEYWORDS_PACKAGE, 'en/data.json'), 'utf8')) as Emoji[];
  const zh = new Map((JSON.parse(readFileSync(packageFile(KEYWORDS_PACKAGE, 'zh/data.json'), 'utf8')) as Emoji[]).map((e) => [e.hexcode, e]));

  const scored = { en: new Map<string, Map<string, number>>(), zh: new Map<string, Map<string, number>>() };
  // A Chinese tag of one character is too weak a signal; a one-character name ("猫") is kept.
  const add = (language: 'en' | 'zh', keyword: string, icon: string, score: number, name = false) => {
    const key = language === 'en' ? foldEnglish(keyword) : keyword.trim();
    if (!key || VAGUE.has(key) || (language === 'zh' && [...key].length < (name ? 1 : 2)) || (language === 'en' && key.length < 3)) return;
    const icons = scored[language].get(key) ?? new Map<string, number>();
    icons.set(icon, Math.max(icons.get(icon) ?? 0, score));
    scored[language].set(key, icons);
  };
  for (const emoji of en) {
    if (emoji.group === undefined || SKIPPED_GROUPS.has(emoji.group)) continue;
    const icon = slug(emoji.label);
    if (!(icon in set.icons)) continue;
    const weak = WEAK_GROUPS.has(emoji.group) ? 0.5 : 0;
    // Fewer words in the name: the emoji is more plainly that thing ("train" over "light rail").
    const plain = 0.3 / emoji.label.split(/\s+/).length;
    // CLDR order (nature, food, travel before activities and objects) breaks ties: a "tree" is a deciduous tree before a Christmas tree.
    const early = 0.1 * (1 - (emoji.order ?? 0) / ORDER_SPAN);
    const label = emoji.label.replace(/^flag:\s*/i, '');
    const named = new Set(foldEnglish(label).split(' '));
    add('en', label, icon, 3 + plain + early - weak);
    // A face's tags are moods ("shade", "cool"), not things a story shows.
    const tags = emoji.group === FACES ? [] : emoji.tags ?? [];
    for (const tag of tags) add('en', tag, icon, 2 + (named.has(foldEnglish(tag)) ? 0.5 : 0) + plain + early - weak);
    const chinese = zh.get(emoji.hexcode);
    if (chinese) {
      const zhLabel = chinese.label.replace(/^旗帜[:：]\s*/, '');
      add('zh', zhLabel, icon, 3 + plain + early - weak, true);
      for (const tag of emoji.group === FACES ? [] : chinese.tags ?? []) add('zh', tag, icon, 2 + (zhLabel.includes(tag) ? 0.5 : 0) + plain + early - weak);
    }
  }
  const ranked = (map: Map<string, Map<string, number>>) => Object.fromEntries([...map.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, icons]) => [key, [...icons.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, PER_KEYWORD).map(([name]) => name)]));
  const index = { en: ranked(scored.en), zh: ranked(scored.zh) };
  const used = new Set([...Object.values(index.en), ...Object.values(index.zh)].flat());
  return {
    source: { icons: `${ICONS_PACKAGE}@${versionOf(ICONS_PACKAGE)}`, keywords: `${KEYWORDS_PACKAGE}@${versionOf(KEYWORDS_PACKAGE)}` },
    icons: locate(buffer, set.icons, [...used].sort()),
    ...index,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const index = buildIndex();
  writeFileSync(ILLUSTRATION_INDEX_FILE, `${JSON.stringify(index)}\n`);
  const bytes = readFileSync(ILLUSTRATION_INDEX_FILE).length;
  console.log(`${ILLUSTRATION_INDEX_FILE}: ${Object.keys(index.icons).length} icons, ${Object.keys(index.en).length} English and ${Object.keys(index.zh).length} Chinese keywords, ${(bytes / 1024).toFixed(0)} KiB`);
}
