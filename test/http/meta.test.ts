import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startHttp } from '../../src/http/start.ts';
import { installedVoices, type Meta } from '../../src/http/meta.ts';
import { FORMATS } from '../../src/pipeline/formats.ts';
import { CAPTION_STYLES, MAX_DURATION_S, MIN_DURATION_S, TONES } from '../../src/pipeline/submission.ts';
import { TONE_STYLES } from '../../src/pipeline/tones.ts';
import { EdgeTtsProvider } from '../../src/providers/speech/edge-tts.ts';
import { EspeakNgProvider } from '../../src/providers/speech/espeak-ng.ts';
import { FestivalProvider } from '../../src/providers/speech/festival.ts';
import { MespeakProvider } from '../../src/providers/speech/mespeak.ts';
import { OpenAiSpeechProvider } from '../../src/providers/speech/openai-speech.ts';
import { parseEspeakNgVoices } from '../../src/providers/speech/voice-list.ts';
import { connect, type Distributed } from '../../src/runtime/composition.ts';
import { useFreshEnv } from '../support/env.ts';

/** `GET /v1/meta` and the page's static files, against a real server with MariaDB and Redis behind it. */

const espeakInstalled = (() => {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// A flow directory of this test's own: one flow that loads, one that does not.
const flowsDir = mkdtempSync(path.join(os.tmpdir(), 'slotflow-meta-flows-'));
writeFileSync(path.join(flowsDir, 'meta-extra.json'), JSON.stringify({
  flow: 'meta-extra', version: 7, description: 'A flow only this test has',
  modules: [{ module_name: 'Only', status: 'init', next_status: 'done', components: [{ component_name: 'Noop', slot_index: 0, depends: [], handler: 'builtin.noop' }] }],
}));
writeFileSync(path.join(flowsDir, 'meta-broken.json'), JSON.stringify({ flow: 'meta-broken', version: 1, modules: [{ module_name: 'M', components: [{ component_name: 'A', slot_index: 0, depends: ['Nobody'] }] }] }));

describe('GET /v1/meta (MariaDB + Redis)', function () {
  this.timeout(60000);
  let d: Distributed;
  let base: string;
  let secured: string;
  after(async () => {
    await d?.close();
    await rm(flowsDir, { recursive: true, force: true });
  });
  const env = useFreshEnv({ SLOTFLOW_FLOWS_DIR: flowsDir });

  before(async () => {
    const { settings } = env();
    d = connect(settings);
    base = (await startHttp(d, { ...settings, httpAddr: '127.0.0.1:0' })).url;
    secured = (await startHttp(d, { ...settings, httpAddr: '127.0.0.1:0', apiToken: 'sesame' })).url;
  });

  const getMeta = async (): Promise<Meta> => {
    const res = await fetch(`${base}/v1/meta`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    return (await res.json()) as Meta;
  };

  it('lists every flow that loads, with its version and description, and leaves out one that does not', async () => {
    const meta = await getMeta();
    const names = meta.flows.map((f) => f.name);
    expect(names).to.include.members(['article-video', 'fast-cut', 'image-bundle', 'script-video', 'scene', 'bench-13', 'meta-extra']);
    expect(names).not.to.include('meta-broken');
    expect(new Set(names).size, 'each flow once').to.equal(names.length);
    const bundled = JSON.parse(await readFile('flows/article-video.json', 'utf8')) as { version: number; description: string };
    expect(meta.flows.find((f) => f.name === 'article-video')).to.deep.include({ version: bundled.version, description: bundled.description, default: true, child: false, input: 'article', makes: 'video' });
    expect(meta.flows.find((f) => f.name === 'meta-extra')).to.deep.include({ version: 7, description: 'A flow only this test has', default: false });
  });

  it('marks fan-out children and flows that take a script', async () => {
    const meta = await getMeta();
    expect(meta.flows.find((f) => f.name === 'scene')?.child, 'scene is a fan-out child').to.equal(true);
    expect(meta.flows.find((f) => f.name === 'script-video')?.input).to.equal('script');
    expect(meta.flows.filter((f) => f.default).map((f) => f.name)).to.deep.equal(['article-video']);
  });

  it('says what each flow hands over: a video, a bundle, or nothing for a flow of built-in test handlers', async () => {
    const meta = await getMeta();
    const makes = new Map(meta.flows.map((f) => [f.name, f.makes]));
    expect(makes.get('fast-cut')).to.equal('video');
    expect(makes.get('image-bundle')).to.equal('bundle');
    expect(makes.get('bench-13')).to.equal(null);
  });

  it('lists the formats the pipeline renders, the tones with what they do, the caption styles and the target length\'s bounds', async () => {
    const meta = await getMeta();
    expect(meta.formats).to.deep.equal(Object.entries(FORMATS).map(([name, f]) => ({ name, ...f })));
    // Exactly what a submission accepts: every tone listed is taken, and every one taken is listed.
    expect(meta.tones.map((t) => t.name)).to.deep.equal([...TONES]);
    expect(meta.tones.find((t) => t.name === 'playful')).to.deep.equal({
      name: 'playful', speech_rate: TONE_STYLES.playful.speech.rate, pitch_semitones: TONE_STYLES.playful.speech.pitchSemitones, captions: 'pop',
    });
    expect(meta.caption_styles).to.deep.equal([...CAPTION_STYLES]);
    expect(meta.duration_s).to.deep.equal({ min: MIN_DURATION_S, max: MAX_DURATION_S });
  });

  it('lists the voices of the installed speech providers, each one a voice the provider speaks with', async function () {
    this.timeout(30000);
    const meta = await getMeta();
    const ids = meta.voices.map((v) => v.id);
    expect(new Set(ids).size, 'each voice once').to.equal(ids.length);
    for (const v of meta.voices) expect(v.id.startsWith(`${v.provider}:`), v.id).to.equal(true);
    expect(ids).to.include('mespeak:en/en-us');
    if (espeakInstalled) {
      const listed = parseEspeakNgVoices(execFileSync('espeak-ng', ['--voices'], { encoding: 'utf8' })).map((v) => v.id);
      expect(meta.voices.filter((v) => v.provider === 'espeak-ng').map((v) => v.id)).to.deep.equal(listed);
      expect(ids).to.include.members(['espeak-ng:en-us', 'espeak-ng:cmn']);
    } else {
      expect(meta.voices.filter((v) => v.provider === 'espeak-ng'), 'no espeak-ng voices without the program').to.deep.equal([]);
    }
    // Best first, each with its rank; the default voice of each narrated language marked once.
    expect(meta.voices.map((v) => v.rank)).to.deep.equal(meta.voices.map((v) => v.rank).sort((a, b) => a - b));
    expect(meta.voices.filter((v) => v.default_for.includes('en'))).to.have.length(1);
    expect(meta.voices.filter((v) => v.default_for.includes('zh'))).to.have.length(1);
    if (await new FestivalProvider().available()) {
      expect(meta.voices[0]).to.deep.include({ id: 'festival:cmu_us_slt_arctic_hts', provider: 'festival', rank: 1, default_for: ['en'] });
    }
    if (espeakInstalled) expect(meta.voices.find((v) => v.id === 'espeak-ng:cmn')?.default_for).to.deep.equal(['zh']);
    // Not listed: SLOTFLOW_TTS_BASE_URL and SLOTFLOW_EDGE_TTS are unset here.
    expect(meta.voices.filter((v) => v.provider === 'edge-tts' || v.provider === 'openai-speech')).to.deep.equal([]);

    // A listed voice really speaks: the part after the provider is what synthesize takes.
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'slotflow-meta-voice-'));
    try {
      const picks = [meta.voices.find((v) => v.id === 'mespeak:de'), espeakInstalled ? meta.voices.find((v) => v.id === 'espeak-ng:de') : undefined].filter((v) => v !== undefined);
      for (const v of picks) {
        const provider = v.provider === 'mespeak' ? new MespeakProvider() : new EspeakNgProvider();
        const spoken = await provider.synthesize({ text: 'Guten Tag.', language: v.language, voice: v.id.slice(v.provider.length + 1) }, path.join(scratch, `${v.provider}.wav`));
        expect(spoken.durationSec, v.id).to.be.above(0.1);
      }
      expect(picks.length).to.be.at.least(1);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('needs the bearer token when one is set', async () => {
    expect((await fetch(`${secured}/v1/meta`)).status).to.equal(401);
    const res = await fetch(`${secured}/v1/meta`, { headers: { authorization: 'Bearer sesame' } });
    expect(res.status).to.equal(200);
    expect(((await res.json()) as Meta).flows.length).to.be.above(0);
  });

  it('serves every ES module the page imports, from nested folders, as JavaScript', async () => {
    const seen = new Set<string>();
    const queue = ['/js/main.js'];
    const html = await (await fetch(`${base}/`)).text();
    expect(html).to.include('<script type="module" src="/js/main.js">');
    while (queue.length > 0) {
      const route = queue.shift()!;
      if (seen.has(route)) continue;
      seen.add(route);
      const res = await fetch(base + route);
      expect(res.status, route).to.equal(200);
      expect(res.headers.get('content-type'), route).to.equal('text/javascript; charset=utf-8');
      const text = await res.text();
      expect(text.startsWith('// @ts-check'), `${route} is type-checked`).to.equal(true);
      for (const m of text.matchAll(/^import .* from '(\.[^']+)';$/gm)) queue.push(new URL(m[1]!, `http://x${route}`).pathname);
    }
    expect([...seen]).to.include.members(['/js/api.js', '/js/events.js', '/js/views/task.js', '/js/views/form.js']);
    expect((await fetch(`${base}/style.css`)).headers.get('content-type')).to.equal('text/css; charset=utf-8');
  });

  it('answers 404 for a path outside the page\'s files, however it is spelled', async () => {
    const targets = ['/app.js', '/js/../package.json', '/js/%2e%2e/package.json', '/js/..%2f..%2fpackage.json', '/js/main.js%00.css', '/js/', '/web/js/main.js', '/js/main.ts', '/tsconfig.web.json'];
    for (const target of targets) {
      const res = await fetch(base + target);
      const body = await res.text();
      expect(res.status, target).to.equal(404);
      expect(body, target).not.to.match(/"name":\s*"slotflow"|@ts-check/);
    }
  });
});

describe('voices of configured remote speech providers', () => {
  it('lists the Edge voices per language and the OpenAI-compatible voices, named as options.voice takes them', async () => {
    const voices = await installedVoices([
      new EdgeTtsProvider({ enabled: true, voices: { de: 'de-DE-KatjaNeural' } }),
      new EdgeTtsProvider({ enabled: false }),
      new OpenAiSpeechProvider({ baseUrl: 'http://127.0.0.1:9', model: 'tts-1', voices: { zh: 'nova' } }),
    ]);
    // Best first: the OpenAI-compatible provider ranks above Edge; it is the default for both languages.
    expect(voices.map((v) => [v.id, v.language, v.rank, v.default_for])).to.deep.equal([
      ['openai-speech:nova', 'zh', 1, ['zh']],
      ['openai-speech:alloy', 'mul', 1, ['en']],
      ['edge-tts:en-US-AriaNeural', 'en', 2, []],
      ['edge-tts:zh-CN-XiaoxiaoNeural', 'zh', 2, []],
      ['edge-tts:de-DE-KatjaNeural', 'de', 2, []],
    ]);
  });

  it('reads espeak-ng\'s voice table, leaving out MBROLA voices and a language listed twice', () => {
    const table = [
      'Pty Language       Age/Gender VoiceName          File                 Other Languages',
      ' 5  en-us           --/M      English_(America)  gmw/en-US            (en 3)',
      ' 5  yue             --/M      Chinese_(Cantonese) sit/yue              (zh-yue 5)',
      ' 5  yue             --/M      Chinese_(Cantonese,_latin_as_Jyutping) sit/yue-Latn-jyutping',
      ' 5  de              --/M      german-mbrola-1    mb/mb-de1',
    ].join('\n');
    expect(parseEspeakNgVoices(table)).to.deep.equal([
      { id: 'espeak-ng:en-us', provider: 'espeak-ng', language: 'en-us', name: 'English (America)' },
      { id: 'espeak-ng:yue', provider: 'espeak-ng', language: 'yue', name: 'Chinese (Cantonese)' },
    ]);
  });
});
