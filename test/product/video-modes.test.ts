import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import {
  detectSilence, grabFrame, MIDDLE_BAND, probe, resolveCaptionLayout,
} from '../../src/adapters/ffmpeg/index.ts';
import { CAPTION_LINE_HEIGHT, fitLines } from '../../src/adapters/ffmpeg/ass.ts';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { isTerminal, TaskPhase } from '../../src/core/engine/task.ts';
import { registerBuiltins } from '../../src/handlers/builtin.ts';
import { type HandlerContext, HandlerRegistry, type RecordedAsset } from '../../src/handlers/registry.ts';
import type { PipelineDeps } from '../../src/pipeline/deps.ts';
import { providersFromSettings } from '../../src/pipeline/providers.ts';
import { registerPipeline } from '../../src/pipeline/register.ts';
import { makeSceneClip, type SceneClip } from '../../src/product/handlers/scene-clip.ts';
import { makeSceneSpeech, type SceneSpeech } from '../../src/product/handlers/scene-speech.ts';
import type { StitchOutput } from '../../src/product/handlers/stitch.ts';
import { registerProductCreative } from '../../src/product/register-creative.ts';
import { registerProductVideo } from '../../src/product/register-video.ts';
import { FidelityFailedError } from '../../src/product/scene-image.ts';
import { StoryboardError, type VideoScene } from '../../src/product/storyboard/common.ts';
import { CUT_SHOT_SEC, CUT_SHOTS, cutStoryboard } from '../../src/product/storyboard/cut.ts';
import { scriptStoryboard } from '../../src/product/storyboard/script.ts';
import { UGC_BEATS, ugcStoryboard } from '../../src/product/storyboard/ugc.ts';
import type { OutputMode, OutputOptions, OutputSnapshot } from '../../src/product/types.ts';
import { type EmbeddedRuntime, startEmbedded } from '../../src/runtime/composition.ts';
import { compileSettings } from '../../src/settings.ts';

/**
 * Product creative's three video modes end to end on the embedded engine: real ffmpeg, the best voice installed,
 * the offline scene-image composer (`product.scene-image`), a neutral product image drawn here (a teal bottle with a red cap and a white label on transparency). Each MP4
 * is probed, its scenes' captions and pictures checked, and a contact sheet of each mode written to /tmp for a
 * person to look at.
 */

const PRODUCT = 'prod_0123456789abcdef';
/** The bottle's body colour. */
const TEAL: readonly [number, number, number] = [0, 150, 160];
/**
 * The cap's and the label stripe's red: what a scene shows when it shows the product. Not the teal, which the
 * composer also paints the split layout's panel in (the palette's first colour).
 */
const RED: readonly [number, number, number] = [210, 40, 40];
const POLL_MS = 100;
const RATE = { wordsPerSec: 3, charsPerSec: 4 };

/** The neutral image: the product alone on transparency, 600×1000. */
function bottleSvg(): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="600" height="1000">
    <rect x="230" y="20" width="140" height="110" rx="18" fill="rgb(210,40,40)"/>
    <rect x="250" y="120" width="100" height="60" fill="rgb(0,120,130)"/>
    <rect x="120" y="170" width="360" height="810" rx="90" fill="rgb(${TEAL.join(',')})"/>
    <rect x="120" y="430" width="360" height="260" fill="rgb(245,245,240)"/>
    <rect x="170" y="500" width="260" height="40" fill="rgb(210,40,40)"/>
    <rect x="170" y="580" width="180" height="26" fill="rgb(60,60,60)"/>
  </svg>`);
}

function snapshotFor(neutral: { path: string; hash: string }, mode: OutputMode, options: OutputOptions, prompt: string): OutputSnapshot {
  const ref = (id: number, kind: string) => ({ id, kind, path: neutral.path, hash: neutral.hash });
  return {
    contract: 'output-generation/1',
    product: PRODUCT,
    mode,
    prompt,
    options,
    identity: {
      product: PRODUCT,
      neutral: { ...ref(1, 'neutral'), width: 600, height: 1000, cutout: true },
      views: [],
      sheet: ref(2, 'sheet'),
      metadata: {
        name: 'Trailhead Bottle', category: 'water bottle', palette: ['#0096a0', '#d22828', '#f5f5f0'], aspect: 0.6,
        brand: 'Northfork', price: { amount: '24.00', currency: 'USD' },
        description: 'A steel bottle that keeps water cold for 24 hours, with a leak-proof cap and a grip that stays dry.',
      },
      seeds: [
        { concept: 'On the trail', prompt: 'the bottle on a rock by a trail', layout: 'hero', headline: 'Cold for 24 hours', background: 'warm sunrise' },
        { concept: 'Desk', prompt: 'the bottle on a clean desk', layout: 'split', headline: 'Leak-proof cap', background: 'cool studio blue' },
      ],
    },
  };
}

interface ModeRun {
  snapshot: OutputSnapshot;
  storyboard: { scenes: VideoScene[]; duration_s: number; script?: string };
  scenes: Array<{ index: number; outputs: { SceneImage: { image: { path: string } }; SceneSpeech: SceneSpeech; SceneClip: SceneClip } }>;
  stitch: StitchOutput;
}

describe('product video modes', function () {
  this.timeout(600000);
  let dir: string;
  let rt: EmbeddedRuntime;
  let deps: PipelineDeps;
  let neutral: { path: string; hash: string };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-video-modes-'));
    const settings = compileSettings({ ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, 'data') });
    const assets = new AssetStore(settings.dataDir);
    deps = providersFromSettings(assets, settings);
    const registry = registerProductVideo(registerProductCreative(registerPipeline(registerBuiltins(new HandlerRegistry()), deps), { assets }), deps);
    rt = await startEmbedded({ registry, settings, concurrency: 2 });
    const file = path.join(dir, 'neutral.png');
    await sharp(bottleSvg()).png().toFile(file);
    neutral = await assets.put(file);
  });
  after(async () => {
    await rt?.close();
    await deps?.media.runner.settled();
    if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  async function run(flow: string, snapshot: OutputSnapshot): Promise<ModeRun> {
    const { id } = await rt.engine.submit({ flow: loadFlow(flow), input: snapshot, title: flow });
    for (;;) {
      const snap = (await rt.reads.readTask(id))!;
      if (isTerminal(snap.phase)) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const task = (await rt.reads.getTask(id))!;
    expect(task.phase, JSON.stringify(task.error)).to.equal(TaskPhase.completed);
    const runs = await rt.reads.listRuns(id);
    const output = (name: string) => runs.findLast((r) => r.component === name && r.status === 'succeeded')!.output;
    const { scenes } = output('Scenes') as { scenes: ModeRun['scenes'] };
    // Fidelity is a stage of the clips too: every scene's checked frame passed, and its scores are with its asset.
    for (const scene of scenes) expect(scene.outputs.SceneClip.scores.passed, `scene ${scene.index + 1} clip fidelity`).to.equal(true);
    return { snapshot, storyboard: output('Storyboard') as ModeRun['storyboard'], scenes: [...scenes].sort((a, b) => a.index - b.index), stitch: output('Stitch') as StitchOutput };
  }

  /** The video as ffprobe sees it: the frame asked for, H.264 + AAC, one clip per storyboard scene. */
  async function expectVideo(result: ModeRun, width: number, height: number): Promise<number> {
    const info = await probe(deps.media.runner, result.stitch.video.path);
    expect(info.video).to.include({ codec: 'h264', width, height });
    expect(info.audio?.codec).to.equal('aac');
    expect(result.scenes).to.have.length(result.storyboard.scenes.length);
    expect(result.stitch.scenes).to.equal(result.storyboard.scenes.length);
    expect(result.stitch.video).to.include({ width, height });
    return info.durationSec;
  }

  /** The share of a picture's pixels in the bottle's own red. */
  async function redShare(file: string): Promise<number> {
    const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let red = 0;
    for (let p = 0; p < data.length; p += 3) {
      if (Math.abs(data[p]! - RED[0]) < 30 && Math.abs(data[p + 1]! - RED[1]) < 30 && Math.abs(data[p + 2]! - RED[2]) < 30) red++;
    }
    return red / (info.width * info.height);
  }

  /**
   * A frame from the middle of each scene, tiled into one PNG in /tmp to look at; each frame must show the product:
   * most of the bottle's red its scene image has, and some at all.
   */
  async function contactSheet(name: string, result: ModeRun): Promise<string> {
    const tiles: Buffer[] = [];
    const shares: Array<{ shown: number; image: number }> = [];
    let at = 0;
    for (const [i, scene] of result.scenes.entries()) {
      const clip = scene.outputs.SceneClip;
      const frame = path.join(dir, `${name}-${i + 1}.png`);
      await grabFrame(deps.media.runner, result.stitch.video.path, at + clip.duration_s / 2, frame);
      at += clip.duration_s;
      shares.push({ shown: await redShare(frame), image: await redShare(scene.outputs.SceneImage.image.path) });
      tiles.push(await sharp(frame).resize({ height: 360 }).png().toBuffer());
    }
    const widths = await Promise.all(tiles.map(async (t) => (await sharp(t).metadata()).width!));
    const sheet = `/tmp/slotflow-${name}-contact.png`;
    let left = 0;
    await sharp({ create: { width: widths.reduce((a, b) => a + b + 8, 0), height: 360, channels: 3, background: '#000000' } })
      .composite(tiles.map((input, i) => {
        const placed = { input, left, top: 0 };
        left += widths[i]! + 8;
        return placed;
      }))
      .png().toFile(sheet);
    // Moved, zoomed and captioned, each frame keeps most of the product its scene image shows.
    shares.forEach(({ shown, image }, i) => {
      expect(shown, `${name} scene ${i + 1}: the product's share of the frame (see ${sheet})`).to.be.above(Math.max(0.002, 0.6 * image));
    });
    return sheet;
  }

  it('makes a fast-paced video: 6–8 silent shots adding up to the length asked for, over music', async () => {
    const snapshot = snapshotFor(neutral, 'fast_paced', { format: '1:1', duration_s: 10 }, 'A punchy ad for hikers: it keeps water cold all day');
    const result = await run('product-fast-paced', snapshot);
    const duration = await expectVideo(result, 1080, 1080);
    expect(duration).to.be.closeTo(10, 0.1);
    expect(result.storyboard.scenes.length).to.be.within(CUT_SHOTS.min, CUT_SHOTS.max);
    for (const s of result.scenes) expect(s.outputs.SceneSpeech.audio).to.equal(null);
    expect(result.stitch.transition.kind).to.equal('cut');
    // The music bed carries a silent video: apart from its fade in and out, its audio is never silent for long.
    const silences = await detectSilence(deps.media.runner, result.stitch.video.path, { minSec: 1 });
    expect(silences.filter((s) => s.startSec > 1.6 && s.endSec < duration - 1.6), JSON.stringify(silences)).to.deep.equal([]);
    await contactSheet('fast-paced', result);
  });

  it('makes a script video whose scenes are the script\'s paragraphs, narrated, captioned with the script\'s words', async () => {
    const script = [
      'Meet the Trailhead Bottle. It keeps your water cold for a whole day on the trail.',
      'The cap is leak-proof, so it rides in your bag without a worry.',
      'Grab yours today for twenty four dollars.',
    ].join('\n\n');
    const snapshot = snapshotFor(neutral, 'script_to_video', { format: '16:9', script, captions: 'karaoke' }, 'Explain why hikers love it');
    const result = await run('product-script-video', snapshot);
    const duration = await expectVideo(result, 1920, 1080);
    expect(result.storyboard.scenes.map((s) => s.narration)).to.deep.equal(script.split('\n\n'));
    const narration = result.scenes.reduce((sum, s) => sum + s.outputs.SceneSpeech.audio!.duration_s, 0);
    expect(duration).to.be.closeTo(narration, 0.15);
    const words = (text: string) => text.toLowerCase().match(/[a-z0-9'-]+/g) ?? [];
    const captioned = result.scenes.flatMap((s) => s.outputs.SceneClip.cues.map((c) => c.text)).join(' ');
    expect(words(captioned)).to.deep.equal(words(script));
    expect(result.stitch.transition.kind).to.equal('crossfade');
    await contactSheet('script-video', result);
  });

  it('makes a UGC video: a first-person review, handheld, its captions inside the middle third of the frame', async () => {
    const snapshot = snapshotFor(neutral, 'ugc', { format: '9:16' }, 'Someone showing how it keeps drinks cold all day, for weekend hikers');
    const result = await run('product-ugc', snapshot);
    const duration = await expectVideo(result, 1080, 1920);
    const narration = result.scenes.reduce((sum, s) => sum + s.outputs.SceneSpeech.audio!.duration_s, 0);
    expect(duration).to.be.closeTo(narration, 0.15);
    expect(result.storyboard.script).to.match(/\bI(?:'ve| have|'m)?\b/);
    for (const { outputs: { SceneClip: clip } } of result.scenes) {
      expect(clip.captions.layout).to.equal('middle');
      const layout = resolveCaptionLayout(1080, 1920, clip.captions);
      for (const cue of clip.cues) {
        const { lines, scale } = fitLines(cue.text, layout);
        const bottom = 1920 - layout.marginV + layout.outline;
        const top = bottom - lines.length * layout.fontSize * scale * CAPTION_LINE_HEIGHT - 2 * layout.outline;
        expect(top, cue.text).to.be.at.least(1920 / 3);
        expect(bottom, cue.text).to.be.at.most((2 * 1920) / 3);
      }
    }
    expect(MIDDLE_BAND.bottom).to.be.at.least(1 / 3);
    await contactSheet('ugc', result);
  });
});

describe('product scene clip fidelity', function () {
  this.timeout(300000);
  let dir: string;
  let deps: PipelineDeps;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-clip-fidelity-'));
    deps = providersFromSettings(new AssetStore(path.join(dir, 'data')), compileSettings({ ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, 'data') }));
  });
  after(async () => {
    await deps?.media.runner.settled();
    if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  /** A scene child's context for one handler: the scene, the output's snapshot, the answers of its dependencies. */
  function contextFor(component: string, scene: VideoScene, snapshot: OutputSnapshot, depOutputs: Record<string, unknown>, recorded: RecordedAsset[]): HandlerContext {
    return {
      taskId: 'clip-fidelity', component, attempt: 1, input: { item: scene, index: scene.scene - 1, count: 1, parent: { input: snapshot } },
      params: {}, inputs: {}, deps: depOutputs, signal: new AbortController().signal, recordAsset: (a) => recorded.push(a),
    };
  }

  it('catches a clip whose captions cover the product, tries again, and fails the scene with every attempt\'s scores', async () => {
    const assets = deps.assets;
    const neutralFile = path.join(dir, 'neutral.png');
    await sharp(bottleSvg()).png().toFile(neutralFile);
    const neutral = await assets.put(neutralFile);
    const snapshot = snapshotFor(neutral, 'ugc', { format: '9:16', captions: 'sentence' }, 'A review');
    const scene: VideoScene = {
      scene: 1, layout: 'hero', headline: 'Cold all day', background: 'studio', duration_s: 3, seed: 11, band: 'middle', motion: 'push',
      narration: 'I carry it everywhere and it keeps my water cold all day long on the trail, even in the sun.',
    };
    const speech = await makeSceneSpeech(deps)(contextFor('SceneSpeech', scene, snapshot, {}, []));
    // A scene picture with the bottle where the middle-third captions go: what a composer that ignored the band would make.
    const picture = path.join(dir, 'scene.png');
    const layout = resolveCaptionLayout(1080, 1920, { style: 'sentence', layout: 'middle' });
    const captionBottom = 1920 - layout.marginV;
    // The bottle behind the caption lines (which sit at the bottom of the middle third).
    const box = { x: 420, y: Math.round(captionBottom - 330), w: 240, h: 400 };
    await sharp({ create: { width: 1080, height: 1920, channels: 3, background: '#f4efe6' } })
      .composite([{ input: await sharp(neutral.path).resize(box.w, box.h).png().toBuffer(), left: box.x, top: box.y }]).png().toFile(picture);
    const image = await assets.put(picture);
    const recorded: RecordedAsset[] = [];
    const clip = makeSceneClip(deps);
    const ctx = contextFor('SceneClip', scene, snapshot, { SceneImage: { image: { path: image.path, hash: image.hash }, scores: { box } }, SceneSpeech: speech }, recorded);
    const failure = await clip(ctx).then(() => undefined, (e: unknown) => e);
    expect(failure).to.be.instanceOf(FidelityFailedError);
    const attempts = (failure as FidelityFailedError).attempts;
    expect(attempts.map((a) => a.attempt)).to.deep.equal([1, 2, 3]);
    for (const a of attempts) expect(a.scores.passed).to.equal(false);
    expect(recorded).to.deep.equal([]);

    // The same scene with the bottle clear of the band passes on its first attempt, its scores kept with the clip.
    const clear = path.join(dir, 'clear.png');
    const high = { x: 390, y: 40, w: 300, h: 500 };
    await sharp({ create: { width: 1080, height: 1920, channels: 3, background: '#f4efe6' } })
      .composite([{ input: await sharp(neutral.path).resize(high.w, high.h).png().toBuffer(), left: high.x, top: high.y }]).png().toFile(clear);
    const clearImage = await assets.put(clear);
    const made = await clip(contextFor('SceneClip', scene, snapshot, { SceneImage: { image: { path: clearImage.path, hash: clearImage.hash }, scores: { box: high } }, SceneSpeech: speech }, recorded));
    console.log(`clip fidelity: covered ${attempts.map((a) => a.scores.score).join(', ')}; clear ${made.scores.score}`);
    expect(made.attempts.length).to.equal(1);
    expect(made.scores.passed).to.equal(true);
    expect(recorded.map((a) => a.kind)).to.deep.equal(['scene-clip']);
    expect(recorded[0]!.scores).to.include({ passed: true });
  });
});

describe('product storyboards', () => {
  const neutral = { path: '/nowhere/neutral.png', hash: '0'.repeat(64) };

  it('cuts the same fast-paced storyboard from the same snapshot, to the length asked for, no layout twice in a row', () => {
    for (const duration_s of [7.2, 10, 12, 16]) {
      const snapshot = snapshotFor(neutral, 'fast_paced', { duration_s }, 'An ad that says it keeps water cold');
      const board = cutStoryboard(snapshot);
      expect(cutStoryboard(structuredClone(snapshot))).to.deep.equal(board);
      expect(board.scenes.length).to.be.within(CUT_SHOTS.min, CUT_SHOTS.max);
      expect(board.scenes.reduce((a, s) => a + s.duration_s, 0), `${duration_s} s`).to.be.closeTo(duration_s, 1 / 60);
      for (const s of board.scenes) expect(s.duration_s).to.be.within(CUT_SHOT_SEC.min, CUT_SHOT_SEC.max);
      board.scenes.slice(1).forEach((s, i) => expect(s.layout, `shot ${i + 2}`).to.not.equal(board.scenes[i]!.layout));
      expect(board.scenes[0]!.headline).to.equal('Trailhead Bottle');
      expect(board.scenes.map((s) => s.headline)).to.include('Only $24.00');
      expect(board.scenes.every((s) => s.narration === undefined)).to.equal(true);
    }
    expect(cutStoryboard(snapshotFor(neutral, 'fast_paced', {}, 'x')).duration_s).to.be.closeTo(12, 1 / 60);
  });

  it('refuses a fast-paced length that 6–8 shots of 1.2–2 s cannot make, and a format it does not know', () => {
    for (const duration_s of [5, 30]) {
      expect(() => cutStoryboard(snapshotFor(neutral, 'fast_paced', { duration_s }, 'x'))).to.throw(StoryboardError).with.property('code', 'invalid-option');
    }
    expect(() => cutStoryboard(snapshotFor(neutral, 'fast_paced', { format: '4:3' as '1:1' }, 'x'))).to.throw().with.property('code', 'invalid-option');
  });

  it('segments a script by paragraph, or by sentence when it is one paragraph, timed at the voice\'s pace', () => {
    const paragraphs = snapshotFor(neutral, 'script_to_video', { script: 'One two three four five six.\n\nSeven eight nine ten.' }, 'x');
    const board = scriptStoryboard(paragraphs, { rate: RATE });
    expect(board.scenes.map((s) => s.narration)).to.deep.equal(['One two three four five six.', 'Seven eight nine ten.']);
    expect(board.scenes[0]!.duration_s).to.be.above(board.scenes[1]!.duration_s);
    expect(board.duration_s).to.be.closeTo(board.scenes.reduce((a, s) => a + s.duration_s, 0), 0.001);
    expect(scriptStoryboard(structuredClone(paragraphs), { rate: RATE })).to.deep.equal(board);
    const slower = scriptStoryboard(paragraphs, { rate: { wordsPerSec: 1.5, charsPerSec: 2 } });
    expect(slower.duration_s).to.be.above(board.duration_s);

    const oneParagraph = snapshotFor(neutral, 'script_to_video', { script: 'It is cold. It stays cold for a whole day on any trail. The cap never leaks, not even upside down in a bag.' }, 'x');
    expect(scriptStoryboard(oneParagraph, { rate: RATE }).scenes.map((s) => s.narration)).to.deep.equal([
      'It is cold. It stays cold for a whole day on any trail.', 'The cap never leaks, not even upside down in a bag.',
    ]);
    expect(() => scriptStoryboard(snapshotFor(neutral, 'script_to_video', { script: '  ' }, 'x'), { rate: RATE })).to.throw(StoryboardError).with.property('code', 'script-empty');
  });

  it('writes a script from the prompt and the product\'s name when the snapshot has none, to about the length asked for', () => {
    const snapshot = snapshotFor(neutral, 'script_to_video', { duration_s: 20 }, 'Show hikers why it keeps water cold');
    const board = scriptStoryboard(snapshot, { rate: RATE });
    expect(board.written).to.equal(true);
    expect(board.script).to.include('Trailhead Bottle');
    expect(board.duration_s).to.be.within(12, 28);
    expect(scriptStoryboard(snapshot, { rate: RATE })).to.deep.equal(board);
  });

  it('interprets a UGC prompt as a first-person review in five beats, handheld, captions in the middle', () => {
    const snapshot = snapshotFor(neutral, 'ugc', {}, 'Someone showing how it keeps drinks cold all day, for weekend hikers');
    const board = ugcStoryboard(snapshot, { rate: RATE });
    expect(board.scenes.map((s) => s.beat)).to.deep.equal([...UGC_BEATS]);
    expect(board.scenes.every((s) => s.band === 'middle' && s.motion === 'handheld')).to.equal(true);
    expect(board.script).to.include('Trailhead Bottle');
    expect(board.script).to.match(/keeps drinks cold all day/);
    expect(board.script).to.match(/weekend hikers/);
    expect(board.scenes.filter((s) => /\b(?:I|I've|I'm|my|My|me)\b/.test(s.narration!)).length).to.be.at.least(4);
    expect(ugcStoryboard(structuredClone(snapshot), { rate: RATE })).to.deep.equal(board);
    const other = ugcStoryboard({ ...snapshot, identity: { ...snapshot.identity, product: 'prod_other' } }, { rate: RATE });
    expect(other.scenes.map((s) => s.seed)).to.not.deep.equal(board.scenes.map((s) => s.seed));
  });
});
