import type { MaterialCandidate, MaterialProvider, MaterialQuery } from '../types.ts';
import { downloadToDir, providerJson, trimBaseUrl, type DownloadOptions, type HttpOptions } from '../http.ts';

/**
 * Stock videos from Pexels (https://www.pexels.com/api/documentation/#videos-search):
 * `GET /videos/search` with the key in `Authorization`, then the chosen
 * rendition of each hit downloaded into the asset store under a
 * content-addressed name. Keywords are tried together first, then one by one,
 * until there are enough hits.
 */

export interface PexelsOptions {
  /** Without a key the provider is unavailable. */
  apiKey?: string;
  /** Default `PEXELS_DEFAULTS.baseUrl`. */
  baseUrl?: string;
  http?: HttpOptions;
  download?: DownloadOptions;
}

export const PEXELS_DEFAULTS = {
  baseUrl: 'https://api.pexels.com',
  /** Pexels' own cap. */
  maxPerPage: 80,
} as const;

/** Renditions: the one nearest this height (short side) wins, never one above 4K. */
export const RENDITION = {
  targetShortSide: 1080,
  maxShortSide: 2160,
  maxLongSide: 4096,
} as const;

/** Candidates found by a later query, or later in a result page, score less. */
export const SEARCH_SCORE = {
  /** Drop per query after the first (all keywords together). */
  queryStep: 0.15,
  minQueryWeight: 0.4,
  /** Share of the score lost by the last hit of a page against the first. */
  rankSpread: 0.3,
  /** Off the score of a video shorter than the query's `minDurationSec`. */
  tooShort: 0.25,
  /** Off the score of a video whose orientation differs from the query's. */
  wrongOrientation: 0.2,
} as const;

export interface Rendition {
  url: string;
  width: number;
  height: number;
}

/** The rendition nearest 1080p whose size is at most 4K (ties go to the larger); undefined when none qualifies. */
export function pickRendition<T extends Rendition>(renditions: T[]): T | undefined {
  let best: T | undefined;
  let bestDistance = Infinity;
  for (const r of renditions) {
    if (!r.url || !(r.width > 0) || !(r.height > 0)) continue;
    const short = Math.min(r.width, r.height);
    const long = Math.max(r.width, r.height);
    if (short > RENDITION.maxShortSide || long > RENDITION.maxLongSide) continue;
    const distance = Math.abs(short - RENDITION.targetShortSide);
    if (distance < bestDistance || (distance === bestDistance && best && short > Math.min(best.width, best.height))) {
      best = r;
      bestDistance = distance;
    }
  }
  return best;
}

export function orientationOf(width: number, height: number): MaterialQuery['orientation'] {
  // Within 10% of square counts as square.
  if (Math.abs(width - height) <= 0.1 * Math.max(width, height)) return 'square';
  return width > height ? 'landscape' : 'portrait';
}

/** The queries to try in order: every keyword together, then each alone; blanks and repeats dropped. */
export function searchQueries(keywords: string[], maxLength = Infinity): string[] {
  const words = keywords.map((k) => k.trim()).filter(Boolean);
  const queries = words.length > 1 ? [words.join(' '), ...words] : words;
  return [...new Set(queries.map((q) => q.slice(0, maxLength).trim()))].filter(Boolean);
}

export function hasCjk(text: string): boolean {
  return /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(text);
}

/** A hit ready to download, with its score. */
export interface StockHit {
  id: string;
  url: string;
  width: number;
  height: number;
  durationSec: number | undefined;
  source: string | undefined;
  score: number;
}

/** Scores a page of hits: query weight, position in the page, length and orientation. */
export function scoreHit(queryIndex: number, rank: number, pageSize: number, query: MaterialQuery, hit: Omit<StockHit, 'score'>): number {
  const queryWeight = Math.max(SEARCH_SCORE.minQueryWeight, 1 - queryIndex * SEARCH_SCORE.queryStep);
  let score = queryWeight * (1 - (SEARCH_SCORE.rankSpread * rank) / Math.max(1, pageSize));
  if (query.minDurationSec !== undefined && hit.durationSec !== undefined && hit.durationSec < query.minDurationSec) score -= SEARCH_SCORE.tooShort;
  if (orientationOf(hit.width, hit.height) !== query.orientation) score -= SEARCH_SCORE.wrongOrientation;
  return Math.round(Math.max(0, score) * 1000) / 1000;
}

/**
 * Downloads the best hits, best first, until `limit` are on disk. A hit whose
 * download fails is passed over; when every download fails, the first error is thrown.
 */
export async function downloadHits(
  provider: string,
  hits: StockHit[],
  limit: number,
  downloadDir: string,
  options: DownloadOptions | undefined,
): Promise<MaterialCandidate[]> {
  const ranked = [...hits].sort((a, b) => b.score - a.score);
  const candidates: MaterialCandidate[] = [];
  const failures: unknown[] = [];
  for (const hit of ranked) {
    if (candidates.length >= limit) break;
    try {
      const path = await downloadToDir(provider, hit.url, downloadDir, { fallbackExtension: '.mp4', ...options });
      const candidate: MaterialCandidate = { path, kind: 'video', provider, width: hit.width, height: hit.height, score: hit.score };
      if (hit.source !== undefined) candidate.source = hit.source;
      if (hit.durationSec !== undefined) candidate.durationSec = hit.durationSec;
      candidates.push(candidate);
    } catch (error) {
      failures.push(error);
    }
  }
  if (candidates.length === 0 && failures.length > 0) throw failures[0];
  return candidates;
}

interface PexelsVideoFile {
  link?: string;
  width?: number | null;
  height?: number | null;
  file_type?: string;
}

interface PexelsVideo {
  id?: number | string;
  url?: string;
  duration?: number;
  video_files?: PexelsVideoFile[];
}

export class PexelsProvider implements MaterialProvider {
  readonly name = 'pexels';
  private readonly baseUrl: string;

  constructor(private readonly options: PexelsOptions = {}) {
    this.baseUrl = trimBaseUrl(options.baseUrl ?? PEXELS_DEFAULTS.baseUrl);
  }

  async available(): Promise<boolean> {
    return Boolean(this.options.apiKey);
  }

  async search(query: MaterialQuery, downloadDir: string): Promise<MaterialCandidate[]> {
    const apiKey = this.options.apiKey;
    if (!apiKey) throw new Error(`${this.name}: no API key configured`);
    if (query.limit <= 0) return [];
    const perPage = Math.min(PEXELS_DEFAULTS.maxPerPage, Math.max(15, query.limit * 3));
    const hits: StockHit[] = [];
    const seen = new Set<string>();
    for (const [queryIndex, text] of searchQueries(query.keywords).entries()) {
      // Each request counts against the hourly quota: stop as soon as there are enough hits.
      if (hits.length >= query.limit) break;
      const params = new URLSearchParams({ query: text, orientation: query.orientation, per_page: String(perPage) });
      if (hasCjk(text)) params.set('locale', 'zh-CN');
      const answer = (await providerJson(this.name, `${this.baseUrl}/videos/search?${params}`, {
        method: 'GET',
        headers: { authorization: apiKey, accept: 'application/json' },
      }, this.options.http)) as { videos?: PexelsVideo[] };
      const videos = Array.isArray(answer.videos) ? answer.videos : [];
      for (const [rank, video] of videos.entries()) {
        const id = String(video.id ?? '');
        if (!id || seen.has(id)) continue;
        const files = (video.video_files ?? [])
          .filter((f) => typeof f.link === 'string' && (f.file_type ?? 'video/mp4').startsWith('video/'))
          .map((f) => ({ url: f.link as string, width: f.width ?? 0, height: f.height ?? 0, mp4: f.file_type === 'video/mp4' }));
        // MP4 renditions first: every renderer reads them.
        const rendition = pickRendition(files.filter((f) => f.mp4)) ?? pickRendition(files);
        if (!rendition) continue;
        seen.add(id);
        const hit = {
          id,
          url: rendition.url,
          width: rendition.width,
          height: rendition.height,
          durationSec: typeof video.duration === 'number' ? video.duration : undefined,
          source: video.url,
        };
        hits.push({ ...hit, score: scoreHit(queryIndex, rank, videos.length, query, hit) });
      }
    }
    return downloadHits(this.name, hits, query.limit, downloadDir, this.options.download);
  }
}
