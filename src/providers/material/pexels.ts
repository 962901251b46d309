import type { CallOptions, MaterialCandidate, MaterialProvider, MaterialQuery } from '../types.ts';
import { providerJson, trimBaseUrl, type DownloadOptions, type HttpOptions, withSignal } from '../http.ts';
import { downloadHits, hasCjk, pickRendition, scoreHit, searchQueries, type StockHit } from './stock.ts';

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

  async search(query: MaterialQuery, downloadDir: string, options: CallOptions = {}): Promise<MaterialCandidate[]> {
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
      }, { ...this.options.http, ...withSignal(this.options.http?.signal, options.signal) })) as { videos?: PexelsVideo[] };
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
        hits.push({ ...hit, score: scoreHit(queryIndex, rank, videos.length, query, hit), term: text });
      }
    }
    return downloadHits(this.name, hits, query.limit, downloadDir, { ...this.options.download, ...withSignal(this.options.download?.signal, options.signal) });
  }
}
