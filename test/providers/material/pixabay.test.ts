import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect } from 'chai';
import { ProviderHttpError } from '../../../src/providers/http.ts';
import { PixabayProvider } from '../../../src/providers/material/pixabay.ts';
import type { MaterialQuery } from '../../../src/providers/types.ts';
import { FAST_RETRIES, notFound, sendJson, sequence, startFakeServer, type FakeHandler, type FakeServer } from '../support/fake-http.ts';

const KEY = 'pixabay-test-key';

/** A Pixabay video hit as `GET /api/videos/` returns it, its files served by the same fake server. */
function pixabayHit(origin: string, id: number, landscape = true) {
  const size = (a: number, b: number) => (landscape ? { width: a, height: b } : { width: b, height: a });
  const rendition = (name: string, width: number, height: number) => ({
    url: `${origin}/video/2024/01/01/${id}_${name}.mp4`, ...size(width, height), size: 1000, thumbnail: `${origin}/thumb/${id}.jpg`,
  });
  return {
    id,
    pageURL: `https://pixabay.com/videos/clip-${id}/`,
    type: 'film',
    tags: 'sea, waves, ocean',
    duration: 20,
    videos: {
      large: rendition('large', 7680, 4320),
      medium: rendition('medium', 1920, 1080),
      small: rendition('small', 1280, 720),
      tiny: rendition('tiny', 640, 360),
    },
    views: 1, downloads: 1, likes: 1, comments: 0, user_id: 1, user: 'someone', userImageURL: '',
  };
}

function pixabayApi(hitsFor: (q: string) => unknown[]): FakeHandler {
  return (request, response) => {
    if (request.path === '/api/videos/') {
      if (request.query.get('key') !== KEY) return sendJson(response, 400, '[ERROR 400] Invalid or missing API key');
      const hits = hitsFor(request.query.get('q') ?? '');
      return sendJson(response, 200, { total: hits.length, totalHits: hits.length, hits });
    }
    if (request.path.startsWith('/video/')) {
      response.writeHead(200, { 'content-type': 'video/mp4' });
      return response.end(`bytes of ${request.path}`);
    }
    return notFound(request, response);
  };
}

const query = (overrides: Partial<MaterialQuery> = {}): MaterialQuery => ({ keywords: ['ocean'], orientation: 'landscape', limit: 1, ...overrides });

describe('PixabayProvider', () => {
  let server: FakeServer;
  let dir: string;
  beforeEach(async () => {
    server = await startFakeServer();
    dir = await mkdtemp(join(tmpdir(), 'slotflow-pixabay-'));
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const provider = (apiKey: string | null = KEY) =>
    new PixabayProvider({ apiKey: apiKey ?? undefined, baseUrl: `${server.origin}/api`, http: FAST_RETRIES, download: FAST_RETRIES });

  it('is available only with a key', async () => {
    expect(await provider(null).available()).to.equal(false);
    expect(await provider().available()).to.equal(true);
  });

  it('searches /api/videos/ with the key and query, downloads the rendition nearest 1080p under a content-addressed name', async () => {
    server.handle(pixabayApi(() => [pixabayHit(server.origin, 11)]));
    const [candidate, ...rest] = await provider().search(query({ keywords: ['ocean waves'] }), dir);
    expect(rest).to.deep.equal([]);
    const search = server.requests[0]!;
    expect(search).to.include({ method: 'GET', path: '/api/videos/' });
    expect(search.query.get('key')).to.equal(KEY);
    expect(search.query.get('q')).to.equal('ocean waves');
    expect(search.url).to.contain('q=ocean+waves');
    expect(Number(search.query.get('per_page'))).to.be.within(3, 200);
    expect(search.query.has('lang')).to.equal(false);

    const link = `${server.origin}/video/2024/01/01/11_medium.mp4`;
    expect(server.requests[1]!.path).to.equal('/video/2024/01/01/11_medium.mp4');
    expect(candidate).to.include({ kind: 'video', provider: 'pixabay', width: 1920, height: 1080, durationSec: 20, source: 'https://pixabay.com/videos/clip-11/' });
    expect(basename(candidate!.path)).to.equal(`${createHash('sha256').update(link).digest('hex')}.mp4`);
    expect(await readFile(candidate!.path, 'utf8')).to.equal('bytes of /video/2024/01/01/11_medium.mp4');
  });

  it('searches Chinese keywords with lang=zh', async () => {
    server.handle(pixabayApi(() => [pixabayHit(server.origin, 12)]));
    await provider().search(query({ keywords: ['海洋'] }), dir);
    expect(server.requests[0]!.query.get('q')).to.equal('海洋');
    expect(server.requests[0]!.query.get('lang')).to.equal('zh');
  });

  it('ranks hits of the wanted orientation first, since the API cannot filter by it', async () => {
    server.handle(pixabayApi(() => [pixabayHit(server.origin, 21, true), pixabayHit(server.origin, 22, false)]));
    const result = await provider().search(query({ orientation: 'portrait', limit: 2 }), dir);
    expect(result.map((c) => [c.width, c.height])).to.deep.equal([[1080, 1920], [1920, 1080]]);
    expect(result[0]!.score).to.be.greaterThan(result[1]!.score);
  });

  it('throws a ProviderHttpError naming the provider on 401, without the key in the message', async () => {
    server.handle((_q, res) => sendJson(res, 401, { error: 'Unauthorized' }));
    const error = await provider('wrong-secret-key').search(query(), dir).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderHttpError);
    expect(error).to.include({ provider: 'pixabay', status: 401 });
    expect((error as Error).message).not.to.contain('wrong-secret-key');
    expect(server.requests).to.have.length(1);
  });

  it('retries after a 429 and succeeds', async () => {
    const api = pixabayApi(() => [pixabayHit(server.origin, 31)]);
    server.handle(sequence((_q, res) => sendJson(res, 429, 'API rate limit exceeded'), api));
    const result = await provider().search(query(), dir);
    expect(result).to.have.length(1);
    expect(server.requests.map((r) => r.path)).to.deep.equal(['/api/videos/', '/api/videos/', '/video/2024/01/01/31_medium.mp4']);
  });
});
