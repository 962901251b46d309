import type { CallOptions, MaterialCandidate, MaterialProvider, MaterialQuery } from '../types.ts';
import { providerJson, trimBaseUrl, type DownloadOptions, type HttpOptions, withSignal } from '../http.ts';
import { downloadHits, hasCjk, orientationOf, pickRendition, scoreHit, searchQueries, type StockHit } from './stock.ts';

/**
 * Stock videos from Pixabay (https://pixabay.com/api/docs/#api_search_videos):
 * `GET /api/videos/?key=…&q=…`. The API has no orientation filter for
 * videos, so orientation only weighs in the score. Pixabay asks that files be
 * downloaded rather than hotlinked, which is what happens here.
 */

export interface PixabayOptions {
  /** Without a key the provider is unavailable. */
  apiKey?: string;
  /** Default `PIXABAY_DEFAULTS.baseUrl`; `/videos/` is appended. */
  baseUrl?: string;
  http?: HttpOptions;
  download?: DownloadOptions;
}

export const PIXABAY_DEFAULTS = {
  baseUrl: 'https://pixabay.com/api',
  /** Pixabay's bounds for `per_page`. */
  minPerPage: 3,
  maxPerPage: 200,
  /** Pixabay rejects a longer `q`. */
  maxQueryLength: 100,
} as const;

interface PixabayRendition {
  url?: string;
  width?: number;
  height?: number;
}

interface PixabayHit {
  id?: number | string;
  pageURL?: string;
  duration?: number;
  videos?: Record<string, PixabayRendition | undefined>;
}

export class PixabayProvider implements MaterialProvider {
  readonly name = 'pixabay';
  private readonly baseUrl: string;

  constructor(private readonly options: PixabayOptions = {}) {
    this.baseUrl = trimBaseUrl(options.baseUrl ?? PIXABAY_DEFAULTS.baseUrl);
  }

  async available(): Promise<boolean> {
    return Boolean(this.options.apiKey);
  }

  async search(query: MaterialQuery, downloadDir: string, options: CallOptions = {}): Promise<MaterialCandidate[]> {
    const apiKey = this.options.apiKey;
    if (!apiKey) throw new Error(`${this.name}: no API key configured`);
    if (query.limit <= 0) return [];
    // No orientation filter on the server: ask for more so enough have the right one.
    const perPage = Math.min(PIXABAY_DEFAULTS.maxPerPage, Math.max(PIXABAY_DEFAULTS.minPerPage, 20, query.limit * 4));
    const hits: StockHit[] = [];
    const seen = new Set<string>();
    for (const [queryIndex, text] of searchQueries(query.keywords, PIXABAY_DEFAULTS.maxQueryLength).entries()) {
      // Each request counts against the rate limit: stop once enough hits have the wanted orientation.
      if (hits.filter((h) => orientationOf(h.width, h.height) === query.orientation).length >= query.limit) break;
      const params = new URLSearchParams({ key: apiKey, q: text, per_page: String(perPage), safesearch: 'true' });
      if (hasCjk(text)) params.set('lang', 'zh');
      const answer = (await providerJson(this.name, `${this.baseUrl}/videos/?${params}`, {
        method: 'GET',
        headers: { accept: 'application/json' },
      }, { ...this.options.http, ...withSignal(this.options.http?.signal, options.signal) })) as { hits?: PixabayHit[] };
      const page = Array.isArray(answer.hits) ? answer.hits : [];
      for (const [rank, item] of page.entries()) {
        const id = String(item.id ?? '');
        if (!id || seen.has(id)) continue;
        const renditions = Object.values(item.videos ?? {})
          .filter((r): r is PixabayRendition => r !== undefined && typeof r.url === 'string')
          .map((r) => ({ url: r.url as string, width: r.width ?? 0, height: r.height ?? 0 }));
        const rendition = pickRendition(renditions);
        if (!rendition) continue;
        seen.add(id);
        const hit = {
          id,
          url: rendition.url,
          width: rendition.width,
          height: rendition.height,
          durationSec: typeof item.duration === 'number' ? item.duration : undefined,
          source: item.pageURL,
        };
        hits.push({ ...hit, score: scoreHit(queryIndex, rank, page.length, query, hit), term: text });
      }
    }
    return downloadHits(this.name, hits, query.limit, downloadDir, { ...this.options.download, ...withSignal(this.options.download?.signal, options.signal) });
  }
}
