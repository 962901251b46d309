import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import yauzl from 'yauzl';
import { detectSilence, FfmpegRunner, grabFrame, probe as probeWith, type ProbeResult, resolveCaptionLayout } from '../../src/adapters/ffmpeg/index.ts';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { coverScene } from '../../src/pipeline/cover-scene.ts';
import type { Speech } from '../../src/pipeline/handlers/speech-synthesize.ts';
import { TITLE_CARD_SEC } from '../../src/pipeline/handlers/title-card.ts';
import { type RenderResult, renderJob } from '../../src/pipeline/render-job.ts';
import { routeFlow } from '../../src/pipeline/router.ts';
import { compileSettings, type Settings } from '../../src/settings.ts';
import { bandDifference, decodePicture } from '../support/frames.ts';

/**
 * Article to video, for real: the best offline voice installed, the chosen ffmpeg,
 * the bundled font. Small frame sizes and short articles keep it fast; the
 * code paths are the full-size ones.
 */

const ARTICLES = 'test/fixtures/articles';
/** Where a reviewer finds what the render looks like (not committed). */
const OUTPUT_DIR = 'test-output';
const runner = new FfmpegRunner();
const probe = (file: string): Promise<ProbeResult> => probeWith(runner, file);
/** Mean difference (0..255) between two different pictures, or where text is set over one; JPEG and H.264 stay well under it. */
const DIFFERENT = 8;

function srtCues(text: string): Array<{ start: number; end: number; text: string }> {
  const time = (t: string) => {
    const [h, m, rest] = t.split(':') as [string, string, string];
    const [s, ms] = rest.split(',') as [string, string];
    return Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(ms) / 1000;
  };
  return text.trim().split(/\n\n+/).map((block) => {
    const [, times, ...lines] = block.split('\n');
    const [a, b] = times!.split(' --> ') as [string, string];
    return { start: time(a), end: time(b), text: lines.join('\n') };
  });
}

describe('article to video', function () {
  this.timeout(180000);
  let dir: string;
  let settings: Settings;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-render-'));
    settings = compileSettings({ ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, 'data') });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function render(file: string, options: Record<string, unknown>, out: string, flow?: string): Promise<RenderResult> {
    const raw = await readFile(file, 'utf8');
    const input = file.endsWith('.json') ? { script: JSON.parse(raw) as { scenes: unknown[] }, options } : { article: { body: raw }, options };
    const name = routeFlow({ ...(flow ? { flow } : {}), out, input });
    return renderJob({ flow: loadFlow(name), input, settings, output: path.join(dir, out) });
  }

  /**
   * The cover beside the video: a JPEG of the video's size, not the title card, made of the still of the scene
   * `coverScene` picks with the title set over it where the captions go.
   */
  async function expectCover(result: RenderResult): Promise<void> {
    expect(result.cover, 'cover').to.equal(result.output.replace(/\.mp4$/, '.jpg'));
    const { width, height } = (await probe(result.output)).video!;
    expect((await probe(result.cover!)).video).to.include({ codec: 'mjpeg', width, height });
    const bmp = (name: string) => path.join(dir, `${path.basename(result.output, '.mp4')}-${name}.bmp`);
    const cover = await decodePicture(runner, result.cover!, bmp('cover'));
    const titleCard = await decodePicture(runner, result.output, bmp('title'), TITLE_CARD_SEC / 2);
    expect(bandDifference(cover, titleCard), 'the cover against the title card').to.be.above(DIFFERENT);
    const { scenes } = result.outputs('SceneRender') as { scenes: Array<{ index: number; outputs: Record<string, { still: string; visual: { source: string } }> }> };
    const picked = coverScene(scenes.map((s) => ({ index: s.index, ...Object.values(s.outputs)[0]! })))!;
    const still = await decodePicture(runner, picked.still, bmp('still'));
    const { captions } = result.outputs('SubtitleBuilder') as { captions?: { style: 'sentence' | 'karaoke' | 'pop' } };
    const layout = resolveCaptionLayout(width, height, captions ?? {});
    expect(bandDifference(cover, still, height - layout.marginV - layout.fontSize * 1.5, height - layout.marginV), 'the title over the still').to.be.above(DIFFERENT);
    expect(bandDifference(cover, still, 0, height * 0.3), 'the still away from the title').to.be.below(DIFFERENT / 2);
  }

  /**
   * The sample rendered once, in this process, for the tests that read it (the contact sheet, the speech timing):
   * without music, which the timing test needs and the contact sheet does not look at. Made by whichever test asks
   * first, so each still runs alone.
   */
  let sampleRun: Promise<RenderResult> | undefined;
  const sample = () => (sampleRun ??= render('examples/sample-article.md', { format: '16:9', size: '320x180', music: false }, 'sample-lean.mp4'));

  function narration(result: RenderResult): number {
    return (result.outputs('SpeechSynthesis') as unknown as Speech).scenes.reduce((n, s) => n + s.duration_sec, 0);
  }

  it('renders the sample from the command line to an H.264 + AAC MP4 of the narration plus the title card', async () => {
    const out = path.join(dir, 'sample.mp4');
    const cli = await execa('node', ['bin/slotflow.js', 'render', 'examples/sample-article.md', '-o', out, '--size', '320x180', '--json'], {
      env: { ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, 'data') },
    });
    const summary = JSON.parse(cli.stdout) as { duration_sec: number; voice: { reason: string }; subtitles: string };
    // The best offline voice installed: Festival's HTS voice where it is (as in CI), else Flite, espeak-ng, meSpeak.
    expect(summary.voice.reason).to.match(/^(festival|flite|espeak-ng|mespeak)\b/);
    const info = await probe(out);
    expect(info.video).to.include({ codec: 'h264', width: 320, height: 180 });
    expect(info.audio?.codec).to.equal('aac');
    const cues = srtCues(await readFile(summary.subtitles, 'utf8'));
    expect(cues.length).to.be.above(5);
    expect(cues[0]!.start).to.be.at.least(TITLE_CARD_SEC - 0.001);
    expect(cues.at(-1)!.end).to.be.at.most(info.durationSec + 0.05);
  });

  it('writes a contact sheet of the sample to test-output/, one frame per scene, no two scenes with the same picture', async () => {
    const result = await sample();
    const clipped = result.outputs('MaterialClipper') as { scenes: Array<{ duration_sec: number; visual: { path: string } }> };
    const title = (result.outputs('TitleCard') as { duration_sec: number }).duration_sec;
    let at = title;
    const frames: string[] = [];
    for (const [i, scene] of clipped.scenes.entries()) {
      const frame = path.join(dir, `sheet-${String(i).padStart(2, '0')}.png`);
      await grabFrame(runner, result.output, at + scene.duration_sec / 2, frame);
      frames.push(frame);
      at += scene.duration_sec;
    }
    expect(new Set(clipped.scenes.map((s) => s.visual.path)).size, 'a picture used twice').to.equal(clipped.scenes.length);
    await mkdir(OUTPUT_DIR, { recursive: true });
    const sheet = path.join(OUTPUT_DIR, 'contact-sheet.png');
    const columns = Math.min(4, frames.length);
    await runner.ffmpeg(['-framerate', '1', '-i', path.join(dir, 'sheet-%02d.png'), '-vf', `tile=${columns}x${Math.ceil(frames.length / columns)}`, '-frames:v', '1', '-update', '1', '-y', path.resolve(sheet)]);
    const info = await probe(sheet);
    expect(info.video).to.include({ width: 320 * columns, height: 180 * Math.ceil(frames.length / columns) });
    await expectCover(result);
  });

  it('makes the video as long as the synthesized speech plus the title card, and starts every cue within 100 ms of its sentence\'s speech', async () => {
    const result = await sample();
    const info = await probe(result.output);
    expect(Math.abs(info.durationSec - (TITLE_CARD_SEC + narration(result)))).to.be.below(0.5);

    const speech = result.outputs('SpeechSynthesis') as unknown as Speech;
    const clipped = result.outputs('MaterialClipper') as { scenes: Array<{ index: number; duration_sec: number }> };
    const onsets = (await detectSilence(runner, result.output, { noiseDb: -40, minSec: 0.15 })).map((s) => s.endSec);
    const cues = srtCues(await readFile(result.subtitles!, 'utf8'));
    let offset = TITLE_CARD_SEC;
    let checked = 0;
    for (const scene of speech.scenes) {
      for (const sentence of scene.sentences) {
        // A sentence's first line is shown when its first word is heard.
        expect(sentence.words.length, sentence.text).to.be.above(0);
        const at = offset + sentence.words[0]!.start_sec;
        expect(at).to.be.at.least(offset + sentence.start_sec);
        const cue = cues.find((c) => Math.abs(c.start - at) < 0.0015);
        expect(cue, `a cue at ${at.toFixed(3)} s for "${sentence.text}"`).to.not.equal(undefined);
        const onset = onsets.reduce((best, o) => (Math.abs(o - at) < Math.abs(best - at) ? o : best), Infinity);
        expect(Math.abs(onset - at), `speech of "${sentence.text}" starts at ${onset.toFixed(3)} s, its cue at ${at.toFixed(3)} s`).to.be.at.most(0.1);
        checked++;
      }
      offset += clipped.scenes.find((s) => s.index === scene.index)!.duration_sec;
    }
    expect(checked).to.be.above(8);
  });

  it('renders a Chinese article at 9:16 with a Mandarin-capable voice and Chinese subtitles', async () => {
    const result = await render(`${ARTICLES}/zh.md`, { format: '9:16', size: '180x320' }, 'zh.mp4');
    const info = await probe(result.output);
    expect(info.video).to.include({ codec: 'h264', width: 180, height: 320 });
    expect(info.audio?.codec).to.equal('aac');
    expect(Math.abs(info.durationSec - (TITLE_CARD_SEC + narration(result)))).to.be.below(0.5);
    const srt = await readFile(result.subtitles!, 'utf8');
    expect(srt).to.include('城市');
    expect((result.outputs('TextUnderstanding') as { language: string }).language).to.equal('zh');
    await expectCover(result);
  });

  it('shows filter-graph syntax in an article literally (quote, colon, backslash, %{pts}, [in], semicolon, comma, newline)', async () => {
    const result = await render(`${ARTICLES}/hostile.md`, { format: '1:1', size: '240x240', music: false }, 'hostile.mp4');
    const info = await probe(result.output);
    expect(info.video).to.include({ width: 240, height: 240 });
    const text = srtCues(await readFile(result.subtitles!, 'utf8')).map((c) => c.text).join(' ');
    for (const piece of ["it's 5:00 \\ 100% %{pts} [in]; a,b", 'with a comma; and [out] brackets.']) expect(text).to.include(piece);
    expect((result.outputs('TitleCard') as { title: string }).title).to.equal("It's 5:00 \\ 100% {bold} %{pts} [in]; a,b");
    // The same title is set on the cover.
    await expectCover(result);
  });

  it('reuses every component for the same article: the second run executes nothing and gives the same video', async () => {
    const first = await render(`${ARTICLES}/short.md`, { size: '320x180' }, 'repeat-1.mp4');
    expect(first.runs.filter((r) => !r.cached).length).to.be.above(5);
    const second = await render(`${ARTICLES}/short.md`, { size: '320x180' }, 'repeat-2.mp4');
    expect(second.runs.every((r) => r.cached && r.executions === 0), JSON.stringify(second.runs.map((r) => [r.component, r.cached, r.executions]))).to.equal(true);
    expect(second.runs.map((r) => r.component)).to.include.members(['SpeechSynthesis', 'SceneRender', 'VideoSynthesis']);
    expect(Buffer.compare(await readFile(first.output), await readFile(second.output))).to.equal(0);
  });

  for (const [format, size] of [['16:9', '320x180'], ['9:16', '180x320'], ['1:1', '240x240']] as const) {
    it(`turns a user's script into a narrated video at ${format}`, async () => {
      const result = await render(`${ARTICLES}/script.json`, { format, size }, `script-${format.replace(':', 'x')}.mp4`);
      expect(result.final.width).to.equal(Number(size.split('x')[0]));
      const info = await probe(result.output);
      expect(info.video?.codec).to.equal('h264');
      expect(`${info.video?.width}x${info.video?.height}`).to.equal(size);
      expect((result.outputs('ScriptLoader') as { scenes: unknown[] }).scenes).to.have.length(2);
      await expectCover(result);
    });

    it(`cuts a fast, music-driven video with captions and no narration at ${format}`, async () => {
      const result = await render(`${ARTICLES}/short.md`, { format, size, style: 'fast' }, `fast-${format.replace(':', 'x')}.mp4`);
      expect(result.runs.some((r) => r.component === 'SpeechSynthesis')).to.equal(false);
      const info = await probe(result.output);
      expect(`${info.video?.width}x${info.video?.height}`).to.equal(size);
      expect(info.audio?.codec).to.equal('aac');
      const scenes = (result.outputs('BeatCutter') as { scenes: unknown[] }).scenes.length;
      expect(info.durationSec).to.be.closeTo(TITLE_CARD_SEC + scenes * 2, 0.25);
      await expectCover(result);
    });
  }

  it('bundles one captioned image per scene with the script into a zip', async () => {
    const result = await render(`${ARTICLES}/short.md`, { size: '240x240' }, 'bundle.zip');
    const names = await new Promise<string[]>((resolve, reject) => {
      yauzl.open(result.output, { lazyEntries: false }, (err, zip) => {
        if (err || !zip) return reject(err ?? new Error('no zip'));
        const found: string[] = [];
        zip.on('entry', (e: yauzl.Entry) => found.push(e.fileName));
        zip.on('end', () => resolve(found));
        zip.on('error', reject);
      });
    });
    const scenes = (result.outputs('TextProcessor') as { scenes: unknown[] }).scenes.length;
    expect(names.filter((n) => n.endsWith('.png'))).to.have.length(scenes);
    expect(names).to.include('script.txt');
  });

  it('refuses an empty article with a clear error and exit code 2, before anything runs', async () => {
    const empty = path.join(dir, 'empty.md');
    await execa('bash', ['-c', `printf '   \\n\\n' > '${empty}'`]);
    const cli = await execa('node', ['bin/slotflow.js', 'render', empty, '-o', path.join(dir, 'never.mp4')], { reject: false });
    expect(cli.exitCode).to.equal(2);
    expect(cli.stderr).to.match(/empty\.md: the article has no text/);
  });
});
