import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { FfmpegRunner, probe } from '../../src/adapters/ffmpeg/index.ts';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { DURATION_TOLERANCE } from '../../src/pipeline/duration-fit.ts';
import type { Speech } from '../../src/pipeline/handlers/speech-synthesize.ts';
import { TITLE_CARD_SEC } from '../../src/pipeline/handlers/title-card.ts';
import type { ScriptOutput } from '../../src/pipeline/outputs.ts';
import { renderJob } from '../../src/pipeline/render-job.ts';
import { parseArticle } from '../../src/pipeline/text/article.ts';
import { splitSourceSentences } from '../../src/pipeline/text/sentences.ts';
import { compileSettings, type Settings } from '../../src/settings.ts';

/**
 * A target narration length, for real: a long article condensed, spoken by
 * the installed voice, measured on the video. "Narration" is the video's
 * length after the title card: the scenes, each as long as its speech.
 */

const runner = new FfmpegRunner();

describe('target duration', function () {
  this.timeout(240000);
  let dir: string;
  let settings: Settings;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-duration-'));
    settings = compileSettings({ ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, 'data') });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('render examples/long-article.md --duration 45 gives a narration of 40.5–49.5 s, measured with ffprobe', async () => {
    const out = path.join(dir, 'long.mp4');
    await execa('node', ['bin/slotflow.js', 'render', 'examples/long-article.md', '--duration', '45', '--size', '320x180', '--no-music', '-o', out, '--json'], {
      env: { ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, 'data') },
    });
    const info = await probe(runner, out);
    const narration = info.durationSec - TITLE_CARD_SEC;
    expect(narration).to.be.within(45 * (1 - DURATION_TOLERANCE), 45 * (1 + DURATION_TOLERANCE));
    // The article alone would run for minutes: it was condensed, not merely short.
    expect((await readFile('examples/long-article.md', 'utf8')).split(/\s+/).length).to.be.at.least(1500);
  });

  it('condenses a long Chinese article to 30 s of espeak-ng, whole sentences in the article\'s order, each scene naming its sources', async () => {
    const file = 'test/fixtures/articles/zh-long.md';
    const raw = await readFile(file, 'utf8');
    const input = { article: { body: raw }, options: { duration_s: 30, voice: 'espeak-ng', size: '320x180', music: false } };
    const result = await renderJob({ flow: loadFlow('article-video'), input, settings, output: path.join(dir, 'zh.mp4') });
    const speech = result.outputs('SpeechSynthesis') as unknown as Speech;
    const script = result.outputs('TextProcessor') as unknown as ScriptOutput;
    const measured = speech.scenes.reduce((n, s) => n + s.duration_sec, 0);
    expect(measured).to.be.within(30 * (1 - DURATION_TOLERANCE), 30 * (1 + DURATION_TOLERANCE));
    expect(speech.narration_sec).to.be.closeTo(measured, 0.01);
    expect((await probe(runner, result.output)).durationSec - TITLE_CARD_SEC).to.be.within(27, 33.2);

    const parsed = parseArticle(raw, {});
    const source = splitSourceSentences(parsed.body, parsed.language).map((pieces) => pieces.join(''));
    expect(script.condensed).to.equal(true);
    const used = script.scenes.flatMap((s) => s.source_sentences ?? []);
    expect(used.length).to.be.above(0);
    expect(used).to.deep.equal([...used].sort((a, b) => a - b));
    // Every sentence named is said whole, and nothing else is said.
    const said = script.scenes.map((s) => s.text).join('');
    expect([...new Set(used)].map((n) => source[n - 1]).join('')).to.equal(said);
  });

  it('does not pad an article shorter than the target: its narration is just shorter', async () => {
    // Three sentences: far under the target, and each sentence more would only be more to speak and encode.
    const raw = await readFile('test/fixtures/articles/short.md', 'utf8');
    const input = { article: { body: raw }, options: { duration_s: 120, size: '320x180', music: false } };
    const result = await renderJob({ flow: loadFlow('article-video'), input, settings, output: path.join(dir, 'short.mp4') });
    const speech = result.outputs('SpeechSynthesis') as unknown as Speech;
    const script = result.outputs('TextProcessor') as unknown as ScriptOutput;
    expect(script.condensed).to.equal(false);
    expect(speech.tempo).to.equal(1);
    expect(speech.narration_sec).to.be.below(120 * (1 - DURATION_TOLERANCE));
  });
});
