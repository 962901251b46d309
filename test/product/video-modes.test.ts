import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { resolveCaptionLayout } from '../../src/adapters/ffmpeg/index.ts';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import type { HandlerContext, RecordedAsset } from '../../src/handlers/registry.ts';
import type { PipelineDeps } from '../../src/pipeline/deps.ts';
import { providersFromSettings } from '../../src/pipeline/providers.ts';
import { makeSceneClip } from '../../src/product/handlers/scene-clip.ts';
import { makeSceneSpeech } from '../../src/product/handlers/scene-speech.ts';
import { FidelityFailedError } from '../../src/product/scene-image.ts';
import { StoryboardError, type VideoScene } from '../../src/product/storyboard/common.ts';
import { CUT_SHOT_SEC, CUT_SHOTS, cutStoryboard } from '../../src/product/storyboard/cut.ts';
import { scriptStoryboard } from '../../src/product/storyboard/script.ts';
import { UGC_BEATS, ugcStoryboard } from '../../src/product/storyboard/ugc.ts';
import type { OutputMode, OutputOptions, OutputSnapshot } from '../../src/product/types.ts';
import { compileSettings } from '../../src/settings.ts';

/**
 * Product creative's video modes below the engine: the scene clip's fidelity stage (real ffmpeg, the best voice
 * installed) and the three storyboards. The three modes end to end, through the API, are in
 * test/product/show.test.ts, which checks each mode's own promises on the videos it makes.
 */

const PRODUCT = 'prod_0123456789abcdef';
/** The bottle's body colour. */
const TEAL: readonly [number, number, number] = [0, 150, 160];
const RATE = { wordsPerSec: 3, charsPerSec: 4 };
/**
 * The clip test's 9:16 frame at half size (`options.size`): the caption band and the product scale with the frame,
 * so the covered and the clear picture are the full-size ones scaled by `K`, and each clip renders a quarter of the pixels.
 */
const CLIP = { width: 540, height: 960, size: '540x960' } as const;
const K = CLIP.height / 1920;
const scaled = (b: { x: number; y: number; w: number; h: number }) => ({ x: Math.round(b.x * K), y: Math.round(b.y * K), w: Math.round(b.w * K), h: Math.round(b.h * K) });

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
    const snapshot = snapshotFor(neutral, 'ugc', { format: '9:16', size: CLIP.size, captions: 'sentence' }, 'A review');
    const scene: VideoScene = {
      scene: 1, layout: 'hero', headline: 'Cold all day', background: 'studio', duration_s: 3, seed: 11, band: 'middle', motion: 'push',
      narration: 'I carry it everywhere and it keeps my water cold all day long on the trail, even in the sun.',
    };
    const speech = await makeSceneSpeech(deps)(contextFor('SceneSpeech', scene, snapshot, {}, []));
    // A scene picture with the bottle where the middle-third captions go: what a composer that ignored the band would make.
    const picture = path.join(dir, 'scene.png');
    const layout = resolveCaptionLayout(CLIP.width, CLIP.height, { style: 'sentence', layout: 'middle' });
    const captionBottom = CLIP.height - layout.marginV;
    // The bottle behind the caption lines (which sit at the bottom of the middle third).
    const box = { ...scaled({ x: 420, y: 0, w: 240, h: 400 }), y: Math.round(captionBottom - 330 * K) };
    await sharp({ create: { width: CLIP.width, height: CLIP.height, channels: 3, background: '#f4efe6' } })
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
    const high = scaled({ x: 390, y: 40, w: 300, h: 500 });
    await sharp({ create: { width: CLIP.width, height: CLIP.height, channels: 3, background: '#f4efe6' } })
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
    // Seeds follow the product as pictured: another picture, other seeds; another record of the same picture, the same.
    const seeds = (s: OutputSnapshot) => ugcStoryboard(s, { rate: RATE }).scenes.map((scene) => scene.seed);
    const otherPicture = { ...snapshot, identity: { ...snapshot.identity, neutral: { ...snapshot.identity.neutral, hash: 'another-picture' } } };
    expect(seeds(otherPicture)).to.not.deep.equal(seeds(snapshot));
    expect(seeds({ ...snapshot, identity: { ...snapshot.identity, product: 'prod_other' } })).to.deep.equal(seeds(snapshot));
  });
});
