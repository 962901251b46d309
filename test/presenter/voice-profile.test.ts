import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createMedia, decodePcm, shiftVoice } from '../../src/adapters/ffmpeg/index.ts';
import { speechFromSettings } from '../../src/pipeline/providers.ts';
import { cloneVoice, VoiceCloneError } from '../../src/presenter/identity/voice-clone.ts';
import { measureVoice } from '../../src/presenter/identity/voice-measure.ts';
import { matchVoice, measureSample, VoiceCatalog } from '../../src/presenter/identity/voice-profile.ts';
import { FliteProvider } from '../../src/providers/speech/flite.ts';
import { useFreshEnv } from '../support/env.ts';

/**
 * The voice profile: f0 measured on synthesized speech of known pitch, the
 * matcher over every installed English voice finding the one the bundled
 * sample was made from, and the cloning service's protocol against a local
 * HTTP server.
 */

const SAMPLE = 'examples/presenter/voice-sample.wav';
const TEXT = 'The quick brown fox jumps over the lazy dog, and then it runs far away into the woods.';

describe('presenter voice profile', function () {
  this.timeout(240000);
  useFreshEnv();
  const media = createMedia();
  let dir: string;
  let n = 0;
  const scratch = async (ext: string) => path.join(dir, `f${n++}${ext}`);

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-voice-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('measures a voice shifted up 4 semitones as 4 semitones higher, at the same rate', async () => {
    for (const voice of ['awb', 'slt']) {
      const original = await scratch('.wav');
      const shifted = await scratch('.wav');
      await new FliteProvider().synthesize({ text: TEXT, language: 'en', voice }, original);
      await shiftVoice(media.runner, { input: original, out: shifted, semitones: 4 });
      const a = measureVoice(await decodePcm(media.runner, original, await scratch('.raw')));
      const b = measureVoice(await decodePcm(media.runner, shifted, await scratch('.raw')));
      expect(12 * Math.log2(b.f0_hz / a.f0_hz), `${voice}: ${a.f0_hz} → ${b.f0_hz} Hz`).to.be.closeTo(4, 0.3);
      expect(b.duration_s).to.be.closeTo(a.duration_s, 0.1);
      expect(b.speech_rate_sps / a.speech_rate_sps, voice).to.be.closeTo(1, 0.15);
    }
  });

  it('measures a voice slowed to 0.8 as speaking slower', async () => {
    const original = await scratch('.wav');
    const slow = await scratch('.wav');
    await new FliteProvider().synthesize({ text: TEXT, language: 'en', voice: 'awb' }, original);
    await shiftVoice(media.runner, { input: original, out: slow, semitones: 0, tempo: 0.8 });
    const a = measureVoice(await decodePcm(media.runner, original, await scratch('.raw')));
    const b = measureVoice(await decodePcm(media.runner, slow, await scratch('.raw')));
    expect(b.duration_s / a.duration_s).to.be.closeTo(1.25, 0.03);
    expect(b.speech_rate_sps / a.speech_rate_sps, `${a.speech_rate_sps} → ${b.speech_rate_sps}`).to.be.within(0.7, 0.92);
    expect(12 * Math.log2(b.f0_hz / a.f0_hz)).to.be.closeTo(0, 0.3);
  });

  it('matches the bundled sample to the local voice it was made from, as a match and not a clone', async () => {
    const speech = speechFromSettings({ edgeTts: false } as Parameters<typeof speechFromSettings>[0]);
    const catalog = new VoiceCatalog({ speech, runner: media.runner, scratch });
    const measured = await measureSample(SAMPLE, { runner: media.runner, scratch });
    expect(measured.duration_s).to.be.within(6, 8);
    const profile = await matchVoice(measured, 'en', catalog);
    const voices = await catalog.voices('en');
    expect(voices.length, voices.map((v) => v.id).join(', ')).to.be.above(3);
    expect(profile).to.include({ kind: 'match', provider: 'flite', voice: 'flite:awb', note: 'matched to the nearest local voice, not a clone' });
    expect(profile.pitch_semitones).to.equal(0); // Flite has no pitch control.
    expect(profile.rate).to.be.within(0.75, 1.33);
    // The sample is awb 2 semitones up: so it measures.
    const awb = voices.find((v) => v.id === 'flite:awb')!;
    expect(12 * Math.log2(measured.f0_hz / awb.measure.f0_hz)).to.be.closeTo(2, 0.5);
    // The catalog is measured once: a second match synthesizes nothing new.
    expect(await catalog.voices('en')).to.equal(voices);
  });

  describe('the voice-cloning service (local protocol server)', () => {
    let server: Server;
    let base: string;
    const seen: Array<{ url: string | undefined; auth: string | undefined; type: string | undefined; body: Buffer }> = [];
    let answer: { status: number; body: string } = { status: 200, body: '{"voice_id":"vc_maya_01"}' };

    before(async () => {
      server = createServer((req: IncomingMessage, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          seen.push({ url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body: Buffer.concat(chunks) });
          res.writeHead(answer.status, { 'content-type': 'application/json', connection: 'close' }).end(answer.body);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('posts the sample as multipart to /v1/voices/add with the key, and answers the voice id', async () => {
      const id = await cloneVoice({ baseUrl: `${base}/`, apiKey: 'k-123' }, SAMPLE, 'Maya Lindqvist');
      expect(id).to.equal('vc_maya_01');
      const req = seen.at(-1)!;
      expect(req.url).to.equal('/v1/voices/add');
      expect(req.auth).to.equal('Bearer k-123');
      expect(req.type).to.match(/^multipart\/form-data; boundary=/);
      const text = req.body.toString('latin1');
      expect(text).to.include('name="name"').and.include('Maya Lindqvist').and.include('name="files"; filename="voice-sample.wav"').and.include('RIFF');
    });

    it('fails with voice-clone-failed: retryable on a 503, not on a 401 or an answer without a voice id', async () => {
      for (const [status, body, retryable] of [[503, '{}', true], [401, '{"detail":"bad key"}', false], [200, '{"id":"x"}', false]] as const) {
        answer = { status, body };
        try {
          await cloneVoice({ baseUrl: base, apiKey: 'k' }, SAMPLE, 'Maya');
          expect.fail(`status ${status} was accepted`);
        } catch (e) {
          expect(e).to.be.instanceOf(VoiceCloneError);
          expect([(e as VoiceCloneError).code, (e as VoiceCloneError).retryable], String(status)).to.deep.equal(['voice-clone-failed', retryable]);
        }
      }
      answer = { status: 200, body: '{"voice_id":"vc_maya_01"}' };
    });
  });
});
