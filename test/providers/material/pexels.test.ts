import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect } from 'chai';
import { ProviderHttpError } from '../../../src/providers/http.ts';
import { PexelsProvider } from '../../../src/providers/material/pexels.ts';
import { pickRendition } from '../../../src/providers/material/stock.ts';
import type { MaterialQuery } from '../../../src/providers/types.ts';
import { FAST_RETRIES, notFound, sendJson, sequence, startFakeServer, type FakeHandler, type FakeServer } from '../support/fake-http.ts';

const KEY = 'pexels-test-key';

/** A Pexels video object as `GET /videos/search` returns it, its files served by the same fake server. */
function pexelsVideo(origin: string, id: number, landscape = true, duration = 12) {
  const w = (a: number, b: number) => (landscape ? [a, b] : [b, a]) as [number, number];
  const file = (fileId: number, quality: string | null, width: number | null, height: number | null, type = 'video/mp4') => ({
    id: fileId, quality, file_type: type, width, height, fps: 25,
    link: `${origin}/video-files/${id}/${id}-${fileId}_${width ?? 'x'}_${height ?? 'x'}.mp4`,
  });
  return {
    id,
    width: w(3840, 2160)[0],
    height: w(3840, 2160)[1],
    url: `https://www.pexels.com/video/clip-${id}/`,
    image: `https://images.pexels.com/videos/${id}/preview.jpeg`,
    duration,
    user: { id: 1, name: 'Someone', url: 'https://www.pexels.com/@someone' },
    video_files: [
      file(1, 'uhd', ...w(7680, 4320)),
      file(2, 'uhd', ...w(3840, 2160)),
      file(3, 'hd', ...w(1280, 720)),
      file(4, 'hd', ...w(1920, 1080)),
      file(5, 'sd', ...w(640, 360)),
      { id: 6, quality: 'hls', file_type: 'video/mp4', width: null, height: null, fps: null, link: `${origin}/video-files/${id}/playlist.m3u8` },
    ],
  };
}

function pexelsApi(videosFor: (query: string) => unknown[]): FakeHandler {
  return (request, response) => {
    if (request.path === '/videos/search') {
      const videos = videosFor(request.query.get('query') ?? '');
      return sendJson(response, 200, { page: 1, per_page: Number(request.query.get('per_page')), total_results: videos.length, url: 'https://www.pexels.com/videos/', videos });
    }
    if (request.path.startsWith('/video-files/')) {
      response.writeHead(200, { 'content-type': 'video/mp4' });
      return response.end(`bytes of ${request.path}`);
    }
    return notFound(request, response);
  };
}

const query = (overrides: Partial<MaterialQuery> = {}): MaterialQuery => ({ keywords: ['ocean'], orientation: 'landscape', limit: 1, ...overrides });

describe('PexelsProvider', () => {
  let server: FakeServer;
  let dir: string;
  beforeEach(async () => {
    server = await startFakeServer();
    dir = await mkdtemp(join(tmpdir(), 'slotflow-pexels-'));
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const provider = (apiKey: string | null = KEY) =>
    new PexelsProvider({ apiKey: apiKey ?? undefined, baseUrl: server.origin, http: FAST_RETRIES, download: FAST_RETRIES });

  it('is available only with a key', async () => {
    expect(await provider(null).available()).to.equal(false);
    expect(await provider().available()).to.equal(true);
  });

  it('searches with the key in Authorization, downloads the 1080p rendition under a content-addressed name', async () => {
    server.handle(pexelsApi(() => [pexelsVideo(server.origin, 101)]));
    const [candidate, ...rest] = await provider().search(query({ minDurationSec: 5 }), dir);
    expect(rest).to.deep.equal([]);

    const search = server.requests[0]!;
    expect(search).to.include({ method: 'GET', path: '/videos/search' });
    expect(search.headers.authorization).to.equal(KEY);
    expect(search.query.get('query')).to.equal('ocean');
    expect(search.query.get('orientation')).to.equal('landscape');
    expect(Number(search.query.get('per_page'))).to.be.within(1, 80);

    const link = `${server.origin}/video-files/101/101-4_1920_1080.mp4`;
    const download = server.requests[1]!;
    expect(download.path).to.equal('/video-files/101/101-4_1920_1080.mp4');
    expect(download.headers).not.to.have.property('authorization');
    expect(candidate).to.include({ kind: 'video', provider: 'pexels', width: 1920, height: 1080, durationSec: 12, source: 'https://www.pexels.com/video/clip-101/' });
    expect(candidate!.score).to.be.greaterThan(0);
    expect(basename(candidate!.path)).to.equal(`${createHash('sha256').update(link).digest('hex')}.mp4`);
    expect(await readFile(candidate!.path, 'utf8')).to.equal('bytes of /video-files/101/101-4_1920_1080.mp4');
  });

  it('asks for portrait videos and picks the portrait 1080×1920 file', async () => {
    server.handle(pexelsApi(() => [pexelsVideo(server.origin, 202, false)]));
    const [candidate] = await provider().search(query({ orientation: 'portrait' }), dir);
    expect(server.requests[0]!.query.get('orientation')).to.equal('portrait');
    expect(candidate).to.include({ width: 1080, height: 1920 });
  });

  it('tries the keywords together first, then one by one until there are enough hits', async () => {
    server.handle(pexelsApi((q) => (q === 'city' ? [pexelsVideo(server.origin, 303), pexelsVideo(server.origin, 304)] : [])));
    const result = await provider().search(query({ keywords: ['night', 'city'], limit: 2 }), dir);
    const searches = server.requests.filter((r) => r.path === '/videos/search').map((r) => r.query.get('query'));
    expect(searches).to.deep.equal(['night city', 'night', 'city']);
    expect(result.map((c) => c.source)).to.deep.equal(['https://www.pexels.com/video/clip-303/', 'https://www.pexels.com/video/clip-304/']);
    expect(result[0]!.score).to.be.greaterThan(result[1]!.score);
  });

  it('reuses a file already downloaded', async () => {
    server.handle(pexelsApi(() => [pexelsVideo(server.origin, 404)]));
    const [first] = await provider().search(query(), dir);
    const [second] = await provider().search(query(), dir);
    expect(second!.path).to.equal(first!.path);
    expect(server.requests.filter((r) => r.path.startsWith('/video-files/'))).to.have.length(1);
    expect(await readdir(dir)).to.have.length(1);
  });

  it('throws a ProviderHttpError naming the provider on 401', async () => {
    server.handle((_q, res) => sendJson(res, 401, { error: 'Unauthorized' }));
    const error = await provider('wrong').search(query(), dir).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderHttpError);
    expect(error).to.include({ provider: 'pexels', status: 401 });
    expect(server.requests).to.have.length(1);
  });

  it('retries after a 429 and succeeds', async () => {
    const api = pexelsApi(() => [pexelsVideo(server.origin, 505)]);
    server.handle(sequence((_q, res) => sendJson(res, 429, { error: 'Rate limit exceeded' }, { 'retry-after': '0' }), api));
    const result = await provider().search(query(), dir);
    expect(result).to.have.length(1);
    expect(server.requests.map((r) => r.path)).to.deep.equal(['/videos/search', '/videos/search', '/video-files/505/505-4_1920_1080.mp4']);
  });

  it('passes over a hit whose download fails and takes the next one', async () => {
    const api = pexelsApi(() => [pexelsVideo(server.origin, 606), pexelsVideo(server.origin, 607)]);
    server.handle((request, response) => (request.path.startsWith('/video-files/606/') ? notFound(request, response) : api(request, response)));
    const result = await provider().search(query(), dir);
    expect(result.map((c) => c.source)).to.deep.equal(['https://www.pexels.com/video/clip-607/']);
  });
});

describe('pickRendition', () => {
  const r = (width: number, height: number) => ({ url: `u${width}x${height}`, width, height });

  it('takes the rendition nearest 1080p, never one above 4K', () => {
    expect(pickRendition([r(7680, 4320), r(3840, 2160), r(1280, 720)])?.url).to.equal('u1280x720');
    expect(pickRendition([r(7680, 4320), r(3840, 2160)])?.url).to.equal('u3840x2160');
    expect(pickRendition([r(7680, 4320)])).to.equal(undefined);
    expect(pickRendition([r(1080, 1920), r(720, 1280)])?.url).to.equal('u1080x1920');
    expect(pickRendition([r(0, 0), r(640, 360)])?.url).to.equal('u640x360');
  });
});
