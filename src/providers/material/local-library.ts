import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import type { MaterialCandidate, MaterialProvider, MaterialQuery } from '../types.ts';
import { SlotflowError } from '../../core/errors.ts';

/**
 * A folder of images and videos described by a `manifest.json`:
 *
 *   { "items": [{ "file": "sea.jpg", "kind": "image", "tags": ["sea", "ocean"],
 *                 "width": 1920, "height": 1080, "duration": 4.5, "source": "…" }] }
 *
 * `search` scores each item by how well its tags match the keywords, adds a
 * small bonus when its orientation matches (a wrong orientation is never
 * excluded: the renderer crops), and returns the best first. The manifest is
 * read on every search, so edits apply without a restart.
 */

export interface LocalLibraryOptions {
  /** The library folder. */
  dir: string;
  /** Manifest file name inside `dir`. Default `LIBRARY_DEFAULTS.manifest`. */
  manifest?: string;
  /**
   * When fewer items match than the query's limit, fill up with unmatched
   * items (score 0, right orientation first), so a scene always gets a picture.
   * Default `LIBRARY_DEFAULTS.fill`.
   */
  fill?: boolean;
}

export const LIBRARY_DEFAULTS = {
  manifest: 'manifest.json',
  fill: true,
} as const;

/** Score parts. A keyword's match is 0..1; the item's keyword score is the weighted mean over keywords. */
const MATCH = {
  /** The keyword equals a tag (after case folding and stemming). */
  exact: 1,
  /** A CJK keyword inside a tag or a tag inside it. */
  cjkSubstring: 0.8,
  /** Every word of the keyword is a word of some tag; scaled by the share of words found. */
  words: 0.7,
} as const;
const ORIENTATION_BONUS = 0.1;
const SHORT_VIDEO_PENALTY = 0.05;
/** Each later keyword weighs this much less than the one before, down to `MIN_KEYWORD_WEIGHT`. */
const KEYWORD_WEIGHT_STEP = 0.1;
const MIN_KEYWORD_WEIGHT = 0.5;

export interface LibraryItem {
  file: string;
  kind: 'image' | 'video';
  tags: string[];
  width?: number;
  height?: number;
  duration?: number;
  source?: string;
}

/** The manifest is missing, not JSON, or not the expected shape; `problems` lists each as `JSON_POINTER: message`. */
export class LibraryManifestError extends SlotflowError {
  override name = 'LibraryManifestError';
  constructor(
    readonly manifest: string,
    readonly problems: string[],
    options?: ErrorOptions,
  ) {
    super(`invalid media library manifest ${manifest}:\n${problems.map((p) => `  ${p}`).join('\n')}`, { code: 'invalid-media-library', cause: options?.cause });
  }
}

/** Candidates best first, plus what was skipped and why (a listed file that is not there). */
export type LibrarySearchResult = MaterialCandidate[] & { warnings: string[] };

export class LocalLibraryProvider implements MaterialProvider {
  readonly name = 'library';
  readonly dir: string;
  readonly manifestPath: string;
  private readonly fill: boolean;

  constructor(options: LocalLibraryOptions) {
    if (!options.dir) throw new TypeError('LocalLibraryProvider: dir is required');
    this.dir = resolve(options.dir);
    this.manifestPath = join(this.dir, options.manifest ?? LIBRARY_DEFAULTS.manifest);
    this.fill = options.fill ?? LIBRARY_DEFAULTS.fill;
  }

  /** True when the manifest file exists; whether it is valid is for `search` to report loudly. */
  async available(): Promise<boolean> {
    return (await stat(this.manifestPath).catch(() => undefined))?.isFile() ?? false;
  }

  async search(query: MaterialQuery, _downloadDir?: string): Promise<LibrarySearchResult> {
    const items = await this.loadManifest();
    const warnings: string[] = [];
    const keywords = prepareKeywords(query.keywords);
    const scored: { candidate: MaterialCandidate; matched: boolean; oriented: boolean; order: number }[] = [];
    for (const [order, item] of items.entries()) {
      const path = join(this.dir, item.file);
      const file = await stat(path).catch(() => undefined);
      if (!file?.isFile()) {
        warnings.push(`${item.file}: listed in ${this.manifestPath} but not found; skipped`);
        continue;
      }
      const keywordScore = scoreTags(keywords, item.tags);
      const oriented = orientationOf(item) === query.orientation;
      let score = keywordScore;
      if (keywordScore > 0) {
        if (oriented) score += ORIENTATION_BONUS;
        if (item.kind === 'video' && item.duration !== undefined && query.minDurationSec !== undefined && item.duration < query.minDurationSec) {
          score -= SHORT_VIDEO_PENALTY;
        }
      }
      const candidate: MaterialCandidate = { path, kind: item.kind, provider: this.name, score: round(Math.max(score, 0)), tags: [...item.tags] };
      const term = bestKeyword(keywords, item.tags);
      if (term !== undefined) candidate.term = term;
      if (item.source !== undefined) candidate.source = item.source;
      if (item.width !== undefined) candidate.width = item.width;
      if (item.height !== undefined) candidate.height = item.height;
      if (item.duration !== undefined) candidate.durationSec = item.duration;
      scored.push({ candidate, matched: keywordScore > 0, oriented, order });
    }
    const ranked = scored
      .filter((s) => s.matched || this.fill)
      .sort((a, b) =>
        Number(b.matched) - Number(a.matched) ||
        b.candidate.score - a.candidate.score ||
        Number(b.oriented) - Number(a.oriented) ||
        a.order - b.order);
    const result = ranked.slice(0, Math.max(0, query.limit)).map((s) => s.candidate);
    return Object.assign(result, { warnings });
  }

  /** The manifest's items, or a `LibraryManifestError` listing every problem found. */
  async loadManifest(): Promise<LibraryItem[]> {
    let text: string;
    try {
      text = await readFile(this.manifestPath, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const problem = code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? String(error)})`;
      throw new LibraryManifestError(this.manifestPath, [`: ${problem}`], { cause: error });
    }
    let document: unknown;
    try {
      document = JSON.parse(text) as unknown;
    } catch (error) {
      throw new LibraryManifestError(this.manifestPath, [`: not valid JSON (${(error as Error).message})`], { cause: error });
    }
    const problems: string[] = [];
    const items = validateManifest(document, problems);
    if (problems.length > 0) throw new LibraryManifestError(this.manifestPath, problems);
    return items;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validateManifest(document: unknown, problems: string[]): LibraryItem[] {
  if (!isRecord(document)) {
    problems.push(': must be an object with an "items" array');
    return [];
  }
  if (!Array.isArray(document.items)) {
    problems.push('/items: must be an array');
    return [];
  }
  const items: LibraryItem[] = [];
  for (const [index, raw] of document.items.entries()) {
    const at = `/items/${index}`;
    const before = problems.length;
    if (!isRecord(raw)) {
      problems.push(`${at}: must be an object`);
      continue;
    }
    const { file, kind, tags, width, height, duration, source } = raw;
    if (typeof file !== 'string' || file.trim() === '') problems.push(`${at}/file: must be a non-empty string`);
    else if (isAbsolute(file) || normalize(file).split(/[\\/]/).includes('..')) {
      problems.push(`${at}/file: must be a path inside the library folder, got ${JSON.stringify(file)}`);
    }
    if (kind !== 'image' && kind !== 'video') problems.push(`${at}/kind: must be "image" or "video", got ${JSON.stringify(kind)}`);
    if (!Array.isArray(tags)) problems.push(`${at}/tags: must be an array of strings`);
    else {
      for (const [t, tag] of tags.entries()) {
        if (typeof tag !== 'string' || tag.trim() === '') problems.push(`${at}/tags/${t}: must be a non-empty string`);
      }
    }
    for (const [name, value] of [['width', width], ['height', height]] as const) {
      if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) problems.push(`${at}/${name}: must be a positive integer`);
    }
    if (duration !== undefined && !(typeof duration === 'number' && Number.isFinite(duration) && duration > 0)) {
      problems.push(`${at}/duration: must be a positive number of seconds`);
    }
    if (source !== undefined && typeof source !== 'string') problems.push(`${at}/source: must be a string`);
    if (problems.length > before) continue;
    const item: LibraryItem = { file: file as string, kind: kind as LibraryItem['kind'], tags: tags as string[] };
    if (width !== undefined) item.width = width as number;
    if (height !== undefined) item.height = height as number;
    if (duration !== undefined) item.duration = duration as number;
    if (source !== undefined) item.source = source as string;
    items.push(item);
  }
  return items;
}

function orientationOf(item: LibraryItem): MaterialQuery['orientation'] | undefined {
  if (!item.width || !item.height) return undefined;
  if (item.width === item.height) return 'square';
  return item.width > item.height ? 'landscape' : 'portrait';
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

interface Term {
  /** Case-folded, stemmed words joined by one space. */
  phrase: string;
  words: string[];
  cjk: boolean;
}

function toTerm(text: string): Term {
  const folded = text.normalize('NFKC').toLowerCase();
  const words = folded.split(/[^\p{L}\p{N}]+/u).filter(Boolean).map(stem);
  return { phrase: words.join(' '), words, cjk: CJK.test(folded) };
}

/** Light English stemming: plurals only (cities → city, boxes → box, waves → wave), so "ocean" finds "oceans". */
function stem(word: string): string {
  if (CJK.test(word) || word.length <= 3) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(ches|shes|sses|xes|zes)$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

interface WeightedTerm extends Term {
  weight: number;
  original: string;
}

function prepareKeywords(keywords: string[]): WeightedTerm[] {
  return keywords
    .map((k) => ({ ...toTerm(k), original: k }))
    .filter((t) => t.phrase !== '')
    .map((t, i) => ({ ...t, weight: Math.max(MIN_KEYWORD_WEIGHT, 1 - i * KEYWORD_WEIGHT_STEP) }));
}

function scoreTags(keywords: WeightedTerm[], tags: string[]): number {
  if (keywords.length === 0) return 0;
  const terms = tags.map(toTerm);
  const tagWords = new Set(terms.flatMap((t) => t.words));
  let total = 0;
  let weights = 0;
  for (const keyword of keywords) {
    weights += keyword.weight;
    total += keyword.weight * matchKeyword(keyword, terms, tagWords);
  }
  return total / weights;
}

/** The keyword the tags match best, as the caller wrote it; none when no keyword matches. */
function bestKeyword(keywords: WeightedTerm[], tags: string[]): string | undefined {
  const terms = tags.map(toTerm);
  const tagWords = new Set(terms.flatMap((t) => t.words));
  let best: { keyword: WeightedTerm; score: number } | undefined;
  for (const keyword of keywords) {
    const score = keyword.weight * matchKeyword(keyword, terms, tagWords);
    if (score > 0 && (!best || score > best.score)) best = { keyword, score };
  }
  return best?.keyword.original;
}

function matchKeyword(keyword: Term, tags: Term[], tagWords: Set<string>): number {
  if (tags.some((t) => t.phrase === keyword.phrase)) return MATCH.exact;
  if (keyword.cjk) {
    // Chinese has no spaces: "人工智能技术" should find the tag "人工智能", "海" the tag "海洋".
    // A one-character tag inside a longer keyword ("水" in "水果") is too weak a signal.
    const k = keyword.phrase.replace(/ /g, '');
    const inside = tags.some((t) => {
      const tag = t.phrase.replace(/ /g, '');
      return t.cjk && tag !== '' && (tag.includes(k) || (tag.length >= 2 && k.includes(tag)));
    });
    if (inside) return MATCH.cjkSubstring;
  }
  const found = keyword.words.filter((w) => tagWords.has(w)).length;
  return found === 0 ? 0 : (MATCH.words * found) / keyword.words.length;
}

function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}
