import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  contentAddressedName,
  downloadToDir,
  providerJson,
  ProviderHttpError,
  ProviderRequestError,
  ProviderResponseError,
  redactUrl,
} from '../../src/providers/http.ts';
import { FAST_RETRIES, sendJson, sequence, startFakeServer, type FakeServer } from './support/fake-http.ts';

describe('provider HTTP helper', () => {
  let server: FakeServer;
  let dir: string;
  beforeEach(async () => {
    server = await startFakeServer();
    dir = await mkdtemp(join(tmpdir(), 'slotflow-http-'));
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('retries 429 and 5xx answers with backoff, then returns the first success', async () => {
    server.handle(sequence(
      (_q, res) => sendJson(res, 429, { error: 'slow down' }, { 'retry-after': '0' }),
      (_q, res) => sendJson(res, 503, { error: 'busy' }),
      (_q, res) => sendJson(res, 200, { ok: true }),
    ));
    const answer = await providerJson('demo', `${server.origin}/x`, { method: 'GET' }, FAST_RETRIES);
    expect(answer).to.deep.equal({ ok: true });
    expect(server.requests).to.have.length(3);
  });

  it('gives up after the configured retries with the last status', async () => {
    server.handle((_q, res) => sendJson(res, 502, { error: 'bad gateway' }));
    const error = await providerJson('demo', `${server.origin}/x`, { method: 'GET' }, { ...FAST_RETRIES, retries: 2 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderHttpError);
    expect(error).to.include({ provider: 'demo', status: 502, attempts: 3, retryable: true });
    expect(server.requests).to.have.length(3);
  });

  it('does not retry a 4xx other than 408, 425 and 429', async () => {
    server.handle((_q, res) => sendJson(res, 403, { error: 'forbidden' }));
    const error = await providerJson('demo', `${server.origin}/x`, { method: 'GET' }, FAST_RETRIES).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderHttpError);
    expect(error).to.include({ provider: 'demo', status: 403, attempts: 1, retryable: false });
    expect((error as ProviderHttpError).body).to.contain('forbidden');
    expect(server.requests).to.have.length(1);
  });

  it('times out an attempt that gets no answer and retries it', async () => {
    server.handle(sequence(
      () => undefined, // never answers
      (_q, res) => sendJson(res, 200, { ok: 2 }),
    ));
    const answer = await providerJson('demo', `${server.origin}/x`, { method: 'GET' }, { ...FAST_RETRIES, timeoutMs: 200 });
    expect(answer).to.deep.equal({ ok: 2 });
  });

  it('reports a timeout as a ProviderRequestError once retries run out', async () => {
    server.handle(() => undefined);
    const error = await providerJson('demo', `${server.origin}/x`, { method: 'GET' }, { ...FAST_RETRIES, timeoutMs: 100, retries: 1 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderRequestError);
    expect(error).to.include({ provider: 'demo', attempts: 2 });
    expect((error as Error).message).to.contain('timed out after 100 ms');
  });

  it('reports a refused connection as a ProviderRequestError', async () => {
    const closed = await startFakeServer();
    const origin = closed.origin;
    await closed.close();
    const error = await providerJson('demo', `${origin}/x`, { method: 'GET' }, { ...FAST_RETRIES, retries: 1 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderRequestError);
    expect((error as Error).message).to.match(/ECONNREFUSED|fetch failed/);
  });

  it('makes one request by default and hands a 429 back as retryable with its Retry-After', async () => {
    server.handle((_q, res) => sendJson(res, 429, { error: 'slow down' }, { 'retry-after': '2' }));
    const error = await providerJson('demo', `${server.origin}/x`, { method: 'GET' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderHttpError);
    expect(error).to.include({ code: 'provider-rate-limited', retryable: true, retryAfterMs: 2000, attempts: 1 });
    expect(server.requests).to.have.length(1);
  });

  it('reads Retry-After as an HTTP date on a 503', async () => {
    const at = new Date(Date.now() + 5000).toUTCString();
    server.handle((_q, res) => sendJson(res, 503, { error: 'busy' }, { 'retry-after': at }));
    const error = (await providerJson('demo', `${server.origin}/x`, { method: 'GET' }).catch((e: unknown) => e)) as ProviderHttpError;
    expect(error).to.include({ code: 'provider-unavailable', retryable: true });
    expect(error.retryAfterMs).to.be.within(3000, 5000);
  });

  it('marks 400, 401, 403 and 404 as refused for good', async () => {
    for (const status of [400, 401, 403, 404]) {
      server.handle((_q, res) => sendJson(res, status, { error: 'no' }));
      const error = await providerJson('demo', `${server.origin}/x`, { method: 'GET' }, FAST_RETRIES).catch((e: unknown) => e);
      expect(error).to.include({ status, code: 'provider-refused', retryable: false, attempts: 1 });
    }
    expect(server.requests).to.have.length(4);
  });

  it('does not retry a 2xx answer that is not JSON', async () => {
    server.handle((_q, res) => res.end('<html>hello</html>'));
    const error = await providerJson('demo', `${server.origin}/x`, { method: 'GET' }, FAST_RETRIES).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderResponseError);
    expect(server.requests).to.have.length(1);
  });

  it('keeps API keys in query strings out of error messages', async () => {
    server.handle((_q, res) => sendJson(res, 400, { error: 'bad key' }));
    const error = (await providerJson('demo', `${server.origin}/api/?key=s3cret&q=sea`, { method: 'GET' }, FAST_RETRIES).catch((e: unknown) => e)) as ProviderHttpError;
    expect(error.message).not.to.contain('s3cret');
    expect(error.url).to.contain('key=REDACTED').and.to.contain('q=sea');
    expect(redactUrl('https://u:pw@x.test/?token=abc')).not.to.match(/pw|abc/);
  });

  it('downloads into a content-addressed file and reuses it afterwards', async () => {
    const bytes = Buffer.from('not really a video, but bytes all the same');
    server.handle((_q, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.end(bytes);
    });
    const url = `${server.origin}/files/clip.mp4?token=abc`;
    const path = await downloadToDir('demo', url, dir);
    const expectedName = `${createHash('sha256').update(url).digest('hex')}.mp4`;
    expect(path).to.equal(join(dir, expectedName));
    expect(contentAddressedName(url, '.bin')).to.equal(expectedName);
    expect(await readFile(path)).to.deep.equal(bytes);
    expect(await downloadToDir('demo', url, dir)).to.equal(path);
    expect(server.requests).to.have.length(1);
    expect(await readdir(dir)).to.deep.equal([expectedName]);
  });

  it('leaves no partial file when a download is refused for size', async () => {
    server.handle((_q, res) => res.end(Buffer.alloc(2048)));
    const error = await downloadToDir('demo', `${server.origin}/big.mp4`, dir, { ...FAST_RETRIES, maxBytes: 1024 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderResponseError);
    expect(await readdir(dir)).to.deep.equal([]);
  });
});
