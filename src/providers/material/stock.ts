import type { MaterialCandidate, MaterialQuery } from '../types.ts';
import { downloadToDir, type DownloadOptions } from '../http.ts';

/**
 * What the stock-video providers (Pexels, Pixabay) share: picking a
 * rendition, the queries to try, scoring hits and downloading the best ones
 * into the asset store.
 */

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
  /** The query that found it. */
  term?: string;
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
      if (hit.term !== undefined) candidate.term = hit.term;
      candidates.push(candidate);
    } catch (error) {
      failures.push(error);
    }
  }
  if (candidates.length === 0 && failures.length > 0) throw failures[0];
  return candidates;
}
